package dev.ferry.snapshot;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.DeferredIndex;
import dev.ferry.core.state.StateStore;
import dev.ferry.snapshot.internal.DeferredIndexBuilder;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Builds the unique indexes a resumed snapshot deferred (recorded in the state store), on a thread and a target
 * connection of its own, each as soon as the stream's applied position has reached its table's position: the
 * stream goes on applying while an index is built. Started by whatever runs the stream ({@code ferry start},
 * {@code ferry stream}); the thread ends once nothing is left to build.
 *
 * <p>A connection lost is retried; a build the target refuses (a duplicate: the rows differ from the source's) is
 * reported in one sentence and left missing, which {@link #requireBuilt} (called by {@code ferry switch}) refuses.
 */
public final class DeferredBuilds implements AutoCloseable {
    static final long POLL_MILLIS = 1000;
    private static final long RETRY_MILLIS = 5000;

    private final ConnectionSpec target;
    private final String stateSchema;
    private final Consumer<String> report;
    private final Set<String> failed = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile Statement running;

    private DeferredBuilds(ConnectionSpec target, String stateSchema, Consumer<String> report) {
        this.target = target;
        this.stateSchema = stateSchema;
        this.report = report;
        this.thread = new Thread(this::loop, "ferry-deferred-indexes");
        thread.setDaemon(true);
    }

    /** Starts watching; call once the stream holds the run (it has committed something). */
    public static DeferredBuilds start(ConnectionSpec target, String stateSchema, Consumer<String> report) {
        DeferredBuilds b = new DeferredBuilds(target, stateSchema, report);
        b.thread.start();
        return b;
    }

    /**
     * Refuses, in one sentence, while a deferred unique index is missing on the target: a switch then would hand the
     * application a table that no longer enforces it.
     */
    public static void requireBuilt(StateStore store) {
        List<DeferredIndex> missing = store.deferredIndexes().missing();
        if (missing.isEmpty()) {
            return;
        }
        boolean one = missing.size() == 1;
        Lsn after = missing.stream().map(DeferredIndex::after).reduce(Lsn::max).orElseThrow();
        throw new FerryException(ExitCode.USAGE, "unique " + (one ? "index " : "indexes ") + missing.stream()
                .map(d -> d.name() + " of " + d.table()).collect(Collectors.joining(", ")) + (one ? " is" : " are")
                + " not built yet (a resumed snapshot deferred " + (one ? "it" : "them") + " until the stream has applied "
                + "past " + after + "); keep \"ferry start\" or \"ferry stream\" running until it reports "
                + (one ? "it" : "them") + " built, then switch");
    }

    /** True while indexes are left to build (the thread runs). */
    public boolean running() {
        return thread.isAlive();
    }

    private void loop() {
        while (!stopped) {
            try (StateStore store = StateStore.open(target, stateSchema)) {
                if (watch(store)) {
                    return;
                }
            } catch (FerryException | SQLException e) {
                if (stopped) {
                    return;
                }
                SQLException cause = e instanceof SQLException s ? s : e.getCause() instanceof SQLException s ? s : null;
                if (cause == null || !Db.isConnectionLoss(cause)) {
                    report.accept("deferred unique indexes are not being built: " + ServerErrors.firstLine(e)
                            + "; restart the stream to try again (\"ferry switch\" refuses until they exist)");
                    return;
                }
                report.accept("building deferred unique indexes: lost the target (" + ServerErrors.firstLine(e)
                        + "); trying again in " + RETRY_MILLIS / 1000 + " s");
            } catch (InterruptedException e) {
                return;
            }
            sleep(RETRY_MILLIS);
        }
    }

    /** Builds each missing index once the applied position has reached it; true when none is left to build. */
    private boolean watch(StateStore store) throws SQLException, InterruptedException {
        try (Statement st = store.connection().createStatement()) {
            while (!stopped) {
                List<DeferredIndex> missing = store.deferredIndexes().missing().stream()
                        .filter(d -> !failed.contains(key(d))).toList();
                if (missing.isEmpty()) {
                    return true;
                }
                Lsn applied = store.appliedLsn();
                for (DeferredIndex d : missing) {
                    if (stopped) {
                        return true;
                    }
                    if (!d.after().isAfter(applied)) {
                        build(store, st, d);
                    }
                }
                Thread.sleep(POLL_MILLIS);
            }
            return true;
        }
    }

    private void build(StateStore store, Statement st, DeferredIndex d) throws SQLException {
        report.accept("building unique index " + d.name() + " of " + d.table() + " (deferred until the stream passed "
                + d.after() + "); the stream goes on meanwhile");
        long t0 = System.nanoTime();
        running = st;
        try {
            DeferredIndexBuilder.build(st, d);
        } catch (SQLException e) {
            if (stopped || Db.isConnectionLoss(e)) {
                throw e;
            }
            failed.add(key(d));
            report.accept("unique index " + d.name() + " of " + d.table() + " could not be built ("
                    + ServerErrors.firstLine(e) + "); \"ferry switch\" refuses until it exists: remove the cause on the "
                    + "target and create it by hand (" + (d.indexSql() != null ? d.indexSql() : d.constraintSql()) + ")");
            return;
        } finally {
            running = null;
        }
        store.deferredIndexes().markBuilt(d);
        report.accept(String.format("built unique index %s of %s in %.1f s", d.name(), d.table(),
                (System.nanoTime() - t0) / 1e9));
    }

    private static String key(DeferredIndex d) {
        return d.table().schema() + '.' + d.name();
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            stopped = true;
        }
    }

    /** Stops the thread, cancelling a build under way (the next start drops what it left and builds again). */
    @Override
    public void close() {
        stopped = true;
        Statement s = running;
        if (s != null) {
            try {
                s.cancel();
            } catch (SQLException ignored) {
                // the connection is closed with the thread
            }
        }
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
