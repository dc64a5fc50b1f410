package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.switchover.internal.Blockers;
import dev.ferry.switchover.internal.SourceProtection;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Holds writers with table locks on the source: {@code EXCLUSIVE} mode conflicts with every writer
 * ({@code ROW EXCLUSIVE} and up) whatever role it runs as, yet lets readers through. Each attempt waits at
 * most a short {@code lock_timeout}, since writers queue behind a waiting lock; attempts repeat until the
 * switch's timeout. When only an ordinary autovacuum blocks, it is cancelled (or, where the role may not, one
 * attempt waits past {@code deadlock_timeout}, after which autovacuum gives way by itself); an anti-wraparound
 * vacuum is never cancelled. On timeout the blocking sessions are named.
 */
public final class LockFence implements Fence {
    static final Duration ATTEMPT = Duration.ofMillis(200);

    private final ConnectionSpec source;
    private final List<TableId> tables;
    private List<TableId> relations;
    private final List<String> first = new ArrayList<>();
    private Connection held;
    private Connection opened;

    /**
     * @param tables    the publication's tables (locking a partitioned table locks its partitions)
     * @param relations every relation, partitions included, for naming blockers
     */
    public LockFence(ConnectionSpec source, List<TableId> tables, List<TableId> relations) {
        this.source = source;
        this.tables = List.copyOf(tables);
        this.relations = List.copyOf(relations);
    }

    /**
     * Adds locks taken before the migrated tables', in the same attempts, in the order added (the in-place fence's
     * foreign-key neighbours, so that no writer holds them while it queues at the fence).
     */
    void lockFirst(List<TableId> more, String mode) {
        if (more.isEmpty()) {
            return;
        }
        first.add("LOCK TABLE " + more.stream().map(TableId::quoted).collect(Collectors.joining(", ")) + " IN " + mode
                + " MODE");
        List<TableId> named = new ArrayList<>(relations);
        named.addAll(more);
        relations = List.copyOf(named);
    }

    /** A step run in the fence transaction before its commit (the in-place swap). */
    interface InFence {
        void run(Connection fenceTx) throws SQLException;
    }

    /** Runs {@code step} in the fence transaction, then commits it with the source's protection. */
    void protectWith(SourceProtection protection, InFence step) {
        if (held == null) {
            throw FerryException.internal("protecting the source without holding the fence", null);
        }
        try {
            protection.protectInFence(held);
            step.run(held);
            held.commit();
        } catch (SQLException e) {
            release();
            throw ServerErrors.during("write-protecting the source tables", "source", e);
        } catch (RuntimeException e) {
            release();
            throw e;
        }
        close(held);
        held = null;
    }

    @Override
    public String name() {
        return "lock";
    }

    /**
     * Opens the fence's connection ahead of {@link #hold}, so that opening it is not part of a window that already
     * began (PgBouncer's PAUSE comes first). Optional.
     */
    void connect() {
        if (opened == null && held == null) {
            opened = Db.open(source, "source", "switch fence");
        }
    }

    @Override
    public Duration hold(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Connection c = opened != null ? opened : Db.open(source, "source", "switch fence");
        opened = null;
        String lock = "LOCK TABLE " + tables.stream().map(TableId::quoted).collect(Collectors.joining(", "))
                + " IN EXCLUSIVE MODE";
        int attempts = 0;
        long queued = 0;
        long attemptMillis = ATTEMPT.toMillis();
        boolean waitedOutAutovacuum = false;
        List<Blockers.Session> blockers = List.of();
        try {
            c.setAutoCommit(false);
            while (true) {
                attempts++;
                long t0 = System.nanoTime();
                try (Statement s = c.createStatement()) {
                    s.execute("SET LOCAL lock_timeout = '" + attemptMillis + "ms'");
                    for (String sql : first) {
                        s.execute(sql);
                    }
                    s.execute(lock);
                    held = c;
                    // Writers queue behind the successful attempt too, while it waits for running transactions.
                    return Duration.ofNanos(queued + System.nanoTime() - t0);
                } catch (SQLException e) {
                    c.rollback();
                    if (!"55P03".equals(e.getSQLState())) {
                        throw ServerErrors.during("locking the migrated tables", "source", e);
                    }
                }
                // Writers that arrived during the attempt queued behind it: that is time writes were held.
                queued += System.nanoTime() - t0;
                attemptMillis = ATTEMPT.toMillis();
                blockers = Blockers.sessions(c, relations);
                c.commit();
                if (!Blockers.cancelOrdinaryAutovacuum(c, blockers).isEmpty()) {
                    continue;
                }
                if (!waitedOutAutovacuum && !blockers.isEmpty()
                        && blockers.stream().allMatch(b -> b.autovacuum() && !b.wraparound())) {
                    waitedOutAutovacuum = true;
                    attemptMillis = deadlockTimeoutMillis(c) + ATTEMPT.toMillis();
                }
                if (System.nanoTime() + attemptMillis * 1_000_000 > deadline) {
                    List<String> prepared = Blockers.preparedTransactions(c, relations);
                    c.commit();
                    throw new FerryException(ExitCode.PROBLEMS, "could not lock the migrated tables on the source "
                            + "within " + timeout.toSeconds() + " s (" + attempts + " attempts of " + ATTEMPT.toMillis()
                            + " ms; " + Blockers.describe(blockers, prepared) + "); nothing was changed, the source "
                            + "stays writable; retry later or raise --timeout");
                }
                Thread.sleep(20 + (long) (Math.random() * 30));
            }
        } catch (SQLException e) {
            close(c);
            throw ServerErrors.during("locking the migrated tables", "source", e);
        } catch (InterruptedException e) {
            close(c);
            Thread.currentThread().interrupt();
            throw FerryException.internal("interrupted while fencing", e);
        } catch (RuntimeException e) {
            if (held == null) {
                close(c);
            }
            throw e;
        }
    }

    private static long deadlockTimeoutMillis(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT setting::int8 FROM pg_settings WHERE name = 'deadlock_timeout'")) {
            long ms = rs.next() ? rs.getLong(1) : 1000;
            c.commit();
            return ms;
        }
    }

    @Override
    public void protect(SourceProtection protection) {
        protectWith(protection, c -> { });
    }

    @Override
    public void release() {
        if (opened != null) {
            close(opened);
            opened = null;
        }
        if (held != null) {
            try {
                held.rollback();
            } catch (SQLException ignored) {
                // closing ends the transaction anyway
            }
            close(held);
            held = null;
        }
    }

    /** Nothing to move: the application is pointed at the target by the hook, or by whoever runs it. */
    @Override
    public void sendTraffic(Runnable hook) {
        hook.run();
    }

    @Override
    public void recover() {
        // Locks die with the session that held them: a killed switch leaves nothing held.
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // already gone
        }
    }
}
