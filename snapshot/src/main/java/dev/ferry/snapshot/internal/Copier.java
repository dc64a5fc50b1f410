package dev.ferry.snapshot.internal;

import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.state.ChunkState;
import dev.ferry.core.state.StateStore;
import dev.ferry.snapshot.SnapshotListener;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TransformChain;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * Copies one chunk from a source session (inside the snapshot) to a target session, and marks the chunk done in
 * the same target transaction as its rows.
 *
 * <p>That single transaction is what makes resume exact: a chunk whose transaction did not commit (kill -9, lost
 * connection) left no row behind and is simply copied again; one that committed is marked done and skipped. No
 * partial rows ever need removing.
 *
 * <p>A table no transform touches is piped: the COPY bytes from the source are written to the target unparsed, in
 * batches of {@link #BATCH} bytes, so memory is bounded by that buffer whatever the table size. Other tables are
 * decoded row by row ({@link CopyText}), transformed and encoded again. Thread-safe: one instance serves every
 * worker.
 */
public final class Copier {
    /** Bytes gathered before a write to the target: large enough that per-message overhead vanishes. */
    static final int BATCH = 256 * 1024;
    /** Rows handed to the transforms at once. */
    static final int ROWS_PER_CALL = 1000;

    private final RateLimiter limiter;
    private final SnapshotListener listener;
    private final TransformChain chain;
    private final String stateSchema;

    public Copier(RateLimiter limiter, SnapshotListener listener, TransformChain chain, String stateSchema) {
        this.limiter = limiter;
        this.listener = listener;
        this.chain = chain;
        this.stateSchema = stateSchema;
    }

    /** A failure of the target session (the source's are plain {@link SQLException}s). */
    public static final class TargetException extends SQLException {
        TargetException(SQLException cause) {
            super(cause.getMessage(), cause.getSQLState(), cause);
        }
    }

    /** Rows and COPY bytes written. */
    public record Copied(long rows, long bytes) {}

    /**
     * @param freeze the chunk is the whole table and the target table is this copy's alone ({@link Freeze}): it is
     *               truncated and loaded with {@code COPY ... FREEZE} in the chunk's transaction
     */
    public Copied copy(Connection source, Connection target, TableWork w, ChunkState chunk, boolean freeze)
            throws SQLException, InterruptedException {
        List<String> options = new ArrayList<>();
        if (w.binary()) {
            options.add("FORMAT binary");
        }
        if (freeze) {
            options.add("FREEZE");
        }
        String format = options.isEmpty() ? "" : " WITH (" + String.join(", ", options) + ")";
        String readFormat = w.binary() ? " WITH (FORMAT binary)" : "";
        String where = ChunkPlanner.condition(w, chunk);
        String cols = TableWork.columnList(w.sourceColumns());
        String read = where.isEmpty() && w.passThrough()
                ? "COPY " + w.id().quoted() + " (" + cols + ") TO STDOUT" + readFormat
                : "COPY (SELECT " + cols + " FROM ONLY " + w.id().quoted() + (where.isEmpty() ? "" : " WHERE " + where)
                        + ") TO STDOUT" + readFormat;
        String write = "COPY " + w.targetId().quoted() + " (" + TableWork.columnList(w.targetColumns()) + ") FROM STDIN"
                + format;
        CopyOut out = source.unwrap(PGConnection.class).getCopyAPI().copyOut(read);
        CopyIn in = null;
        try {
            long rows;
            long bytes;
            try {
                if (freeze) {
                    try (Statement st = target.createStatement()) {
                        st.execute("TRUNCATE ONLY " + w.targetId().quoted());
                    }
                }
                in = target.unwrap(PGConnection.class).getCopyAPI().copyIn(write);
            } catch (SQLException e) {
                throw new TargetException(e);
            }
            bytes = w.passThrough() ? pipe(out, in, w) : transform(out, in, w);
            try {
                rows = in.endCopy();
                StateStore.recordChunkDone(target, stateSchema, chunk, rows, bytes);
                target.commit();
            } catch (SQLException e) {
                throw new TargetException(e);
            }
            return new Copied(rows, bytes);
        } catch (SQLException | InterruptedException | RuntimeException e) {
            cancel(out, in);
            target.rollback();
            throw e;
        }
    }

    private long pipe(CopyOut out, CopyIn in, TableWork w) throws SQLException, InterruptedException {
        Batch batch = new Batch(in, w);
        byte[] msg;
        while ((msg = out.readFromCopy()) != null) {
            batch.add(msg);
        }
        return batch.flush();
    }

    /**
     * Decodes rows, transforms them {@link #ROWS_PER_CALL} at a time (so an enrichment looks its keys up in one
     * query per batch) and writes them back as COPY text.
     */
    private long transform(CopyOut out, CopyIn in, TableWork w) throws SQLException, InterruptedException {
        Batch batch = new Batch(in, w);
        List<Column> sourceCols = w.sourceColumns();
        List<Row> rows = new ArrayList<>(ROWS_PER_CALL);
        byte[] msg;
        while ((msg = out.readFromCopy()) != null) {
            String[] values = CopyText.decode(msg);
            Map<String, String> byName = new LinkedHashMap<>();
            for (int i = 0; i < sourceCols.size(); i++) {
                byName.put(sourceCols.get(i).name(), values[i]);
            }
            rows.add(Row.partial(w.source().schema(), byName));
            if (rows.size() == ROWS_PER_CALL) {
                write(chain.applyAll(rows), w, batch);
                rows.clear();
            }
        }
        write(chain.applyAll(rows), w, batch);
        return batch.flush();
    }

    private static void write(List<Row> rows, TableWork w, Batch batch) throws SQLException, InterruptedException {
        List<Column> targetCols = w.targetColumns();
        for (Row r : rows) {
            if (!r.table().equals(w.targetId())) {
                throw new FerryException(ExitCode.USAGE, "a transform turned a row of " + w.id() + " into a row of "
                        + r.table() + "; the snapshot writes each table's rows to that table only: change the "
                        + "transform's configuration");
            }
            String[] v = new String[targetCols.size()];
            for (int i = 0; i < v.length; i++) {
                String name = targetCols.get(i).name();
                v[i] = r.has(name) ? r.get(name) : null;
            }
            batch.add(CopyText.encode(v));
        }
    }

    /** Gathers COPY bytes and writes them in large pieces; COPY FROM reads a stream, so pieces may split rows. */
    private final class Batch {
        private final CopyIn in;
        private final TableWork w;
        private final byte[] buf = new byte[BATCH];
        private int used;
        private long rows;
        private long total;

        Batch(CopyIn in, TableWork w) {
            this.in = in;
            this.w = w;
        }

        void add(byte[] msg) throws SQLException, InterruptedException {
            if (used + msg.length > buf.length) {
                flush();
            }
            // A message is a row, except binary COPY's two-byte trailer (-1), which is not counted.
            boolean row = !(msg.length == 2 && msg[0] == -1 && msg[1] == -1 && w.binary());
            if (msg.length > buf.length) {
                write(msg, msg.length);
                rows++;
                account(msg.length);
                return;
            }
            System.arraycopy(msg, 0, buf, used, msg.length);
            used += msg.length;
            if (row) {
                rows++;
            }
        }

        long flush() throws SQLException, InterruptedException {
            if (used > 0) {
                write(buf, used);
                account(used);
                used = 0;
            }
            return total;
        }

        private void write(byte[] b, int n) throws TargetException {
            try {
                in.writeToCopy(b, 0, n);
            } catch (SQLException e) {
                throw new TargetException(e);
            }
        }

        private void account(long bytes) throws InterruptedException {
            total += bytes;
            listener.copied(w.id(), rows, bytes);
            limiter.take(rows, bytes);
            rows = 0;
        }
    }

    private static void cancel(CopyOut out, CopyIn in) {
        try {
            if (in != null && in.isActive()) {
                in.cancelCopy();
            }
        } catch (SQLException ignored) {
            // the transaction is rolled back next
        }
        try {
            if (out.isActive()) {
                out.cancelCopy();
            }
        } catch (SQLException ignored) {
            // the source session is abandoned with the failed run
        }
    }

    /** Waits for a task and returns its result, passing its failure on unwrapped. */
    static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException(ExitCode.INTERNAL, "interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw FerryException.internal("internal error: " + c, c);
        }
    }
}
