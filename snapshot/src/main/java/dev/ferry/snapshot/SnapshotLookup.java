package dev.ferry.snapshot;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.JdbcLookup;
import dev.ferry.core.ServerErrors;
import dev.ferry.snapshot.internal.ExportedSnapshot;
import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link Lookup} enrichment transforms read other source tables through, so that during the copy a row sees
 * the rows it refers to as of the same snapshot. Each copy worker gets its own source session inside the snapshot
 * ({@link #bind}, done by the snapshot before the exporting session ends); any other thread (the stream, later)
 * reads the source's current state through one shared session, one call at a time. Thread-safe; close it when
 * the command ends.
 */
public final class SnapshotLookup implements Lookup, AutoCloseable {
    private final ConnectionSpec source;
    private final ThreadLocal<JdbcLookup> bound = new ThreadLocal<>();
    private final ThreadLocal<Connection> boundSession = new ThreadLocal<>();
    private final List<Connection> sessions = new CopyOnWriteArrayList<>();
    private JdbcLookup current;

    public SnapshotLookup(ConnectionSpec source) {
        this.source = source;
    }

    /** Gives the calling thread a session inside {@code snapshot} for its lookups, until {@link #unbind}. */
    public void bind(String snapshot) {
        Connection c = Db.open(source, "source", "lookup");
        sessions.add(c);
        try {
            if (!ExportedSnapshot.importInto(c, snapshot)) {
                throw new FerryException(ExitCode.SERVER, "the exported snapshot " + snapshot + " is gone before the "
                        + "lookups could use it; run the same command again");
            }
        } catch (SQLException e) {
            throw ServerErrors.during("preparing a lookup session", "source", e);
        }
        bound.set(new JdbcLookup(c));
        boundSession.set(c);
    }

    /** Ends the calling thread's snapshot session (it would otherwise hold the snapshot, and vacuum, back). */
    public void unbind() {
        bound.remove();
        Connection c = boundSession.get();
        boundSession.remove();
        if (c != null) {
            sessions.remove(c);
            ExportedSnapshot.closeQuietly(c);
        }
    }

    @Override
    public Optional<Map<String, String>> find(TableId table, Map<String, String> key) {
        JdbcLookup mine = bound.get();
        if (mine != null) {
            return mine.find(table, key);
        }
        synchronized (this) {
            return shared().find(table, key);
        }
    }

    @Override
    public Map<Map<String, String>, Map<String, String>> findAll(TableId table, List<Map<String, String>> keys) {
        JdbcLookup mine = bound.get();
        if (mine != null) {
            return mine.findAll(table, keys);
        }
        synchronized (this) {
            return shared().findAll(table, keys);
        }
    }

    private JdbcLookup shared() {
        if (current == null) {
            Connection c = Db.open(source, "source", "lookup");
            sessions.add(c);
            current = new JdbcLookup(c);
        }
        return current;
    }

    @Override
    public void close() {
        for (Connection c : sessions) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing at the end of the command
            }
        }
        sessions.clear();
    }
}
