package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.switchover.internal.Blockers;
import dev.ferry.switchover.internal.InPlaceSwap;
import dev.ferry.switchover.internal.SourceProtection;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The fence of an in-place switch (docs/design.md, "In place"). Writers are held as by the {@link LockFence}
 * (EXCLUSIVE locks on the originals, readers go on) while the stream drains to the fence; then, in the same fence
 * transaction, the originals, their shadows and every other table the swap alters are locked ACCESS EXCLUSIVE in one
 * fixed (sorted) order, each attempt under a short {@code lock_timeout} inside a savepoint so that a failed attempt
 * keeps the writers' fence, and the {@link InPlaceSwap} runs and commits together with the source's protection (which
 * then guards the originals in {@code ferry_old}). The traffic step moves nothing: the application already uses
 * this database.
 */
public final class InPlaceFence implements Fence {
    static final int ATTEMPTS = 10;

    private final LockFence locks;
    private final Map<TableId, TableId> shadows;
    private final String oldSchema;
    private final ConnectionSpec source;
    private long readsHeldNanos = -1;
    private List<InPlaceSwap.Pending> pending = List.of();
    private final List<String> waits = new ArrayList<>();
    private InPlaceSwap prepared;

    /**
     * Reads what the swap carries before any write is held, so the window holds only its DDL. Without it the reads
     * happen in the fence transaction.
     */
    public void prepare() {
        try (Connection c = Db.open(source, "source", "switch")) {
            InPlaceSwap swap = new InPlaceSwap(shadows, oldSchema);
            swap.prepare(c);
            prepared = swap;
        } catch (SQLException e) {
            throw ServerErrors.during("reading what the swap carries", "source", e);
        }
    }

    /**
     * @param shadows    each original to its shadow
     */
    public InPlaceFence(ConnectionSpec source, MigratedTables tables, Map<TableId, TableId> shadows, String oldSchema) {
        this.source = source;
        this.locks = new LockFence(source, tables.tables(), tables.relations());
        this.shadows = new java.util.LinkedHashMap<>(shadows);
        this.oldSchema = oldSchema;
    }

    @Override
    public String name() {
        return "in-place";
    }

    @Override
    public Duration hold(Duration timeout) {
        return locks.hold(timeout);
    }

    @Override
    public void protect(SourceProtection protection) {
        locks.protectWith(protection, c -> {
            lockEverything(c);
            if (prepared == null) {
                prepared = new InPlaceSwap(shadows, oldSchema);
                prepared.prepare(c);
            }
            prepared.apply(c);
            pending = prepared.toValidate();
        });
        prepared = null;
        readsHeldNanos = System.nanoTime() - readsHeldNanos;
    }

    private void lockEverything(Connection c) throws SQLException {
        TreeSet<TableId> all = new TreeSet<>(shadows.keySet());
        all.addAll(shadows.values());
        // Tables whose foreign keys reference an original: the swap re-points them.
        all.addAll(dev.ferry.core.Queries.rows(c, "SELECT DISTINCT n.nspname, r.relname FROM pg_constraint k "
                + "JOIN pg_class r ON r.oid = k.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace "
                + "WHERE k.contype = 'f' AND k.confrelid IN (SELECT x::regclass FROM unnest(?::text[]) x)",
                rs -> new TableId(rs.getString(1), rs.getString(2)),
                c.createArrayOf("text", shadows.keySet().stream().map(TableId::quoted).toArray())));
        // Tables an original's foreign keys reference: re-creating those keys on the new table takes SHARE ROW
        // EXCLUSIVE on them, and their writers may be queued behind the fence while holding a lock there (a
        // transaction inserting a row there and then its detail here), so they are locked with the rest, in the
        // same bounded attempts, rather than waited for by the swap's DDL.
        TreeSet<TableId> referenced = new TreeSet<>(dev.ferry.core.Queries.rows(c, "SELECT DISTINCT n.nspname, r.relname "
                + "FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace n ON n.oid = r.relnamespace "
                + "WHERE k.contype = 'f' AND k.conrelid IN (SELECT x::regclass FROM unnest(?::text[]) x)",
                rs -> new TableId(rs.getString(1), rs.getString(2)),
                c.createArrayOf("text", shadows.keySet().stream().map(TableId::quoted).toArray())));
        referenced.removeAll(all);
        String lock = "LOCK TABLE " + all.stream().map(TableId::quoted).collect(Collectors.joining(", "))
                + " IN ACCESS EXCLUSIVE MODE";
        String lockReferenced = referenced.isEmpty() ? null : "LOCK TABLE " + referenced.stream().map(TableId::quoted)
                .collect(Collectors.joining(", ")) + " IN SHARE ROW EXCLUSIVE MODE";
        List<TableId> named = new ArrayList<>(all);
        named.addAll(referenced);
        List<Blockers.Session> blockers = List.of();
        try (Statement s = c.createStatement()) {
            for (int attempt = 1; ; attempt++) {
                s.execute("SAVEPOINT ferry_swap");
                try {
                    s.execute("SET LOCAL lock_timeout = '" + LockFence.ATTEMPT.toMillis() + "ms'");
                    long t0 = System.nanoTime();
                    s.execute(lock);
                    if (lockReferenced != null) {
                        s.execute(lockReferenced);
                    }
                    // Readers wait from the first attempt: the queue behind a waiting lock is a wait too.
                    readsHeldNanos = t0 - (attempt - 1) * LockFence.ATTEMPT.toNanos();
                    s.execute("RELEASE SAVEPOINT ferry_swap");
                    return;
                } catch (SQLException e) {
                    s.execute("ROLLBACK TO SAVEPOINT ferry_swap");
                    if (!"55P03".equals(e.getSQLState())) {
                        throw e;
                    }
                }
                blockers = Blockers.sessions(c, named, true);
                waits.add(Blockers.describe(blockers, List.of()));
                if (attempt >= ATTEMPTS) {
                    throw new FerryException(ExitCode.PROBLEMS, "could not lock the tables of the swap ("
                            + named.stream().map(TableId::toString).collect(Collectors.joining(", ")) + ") within "
                            + ATTEMPTS + " attempts of " + LockFence.ATTEMPT.toMillis() + " ms ("
                            + Blockers.describe(blockers, List.of()) + "); nothing was changed, writes were released; "
                            + "end those sessions or retry later");
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw FerryException.internal("interrupted while locking for the swap", ie);
                }
            }
        }
    }

    /** What each failed ACCESS EXCLUSIVE attempt of the last swap waited for (empty when the first one succeeded). */
    public List<String> lockWaits() {
        return List.copyOf(waits);
    }

    /** How long reads of the swapped tables waited (from the first ACCESS EXCLUSIVE attempt to the commit). */
    public Duration readsHeld() {
        return readsHeldNanos < 0 ? Duration.ZERO : Duration.ofNanos(readsHeldNanos);
    }

    /**
     * Validates the foreign keys the swap re-added {@code NOT VALID}, after its commit: online, writes go on.
     * Returns how many.
     */
    public int validateForeignKeys(Consumer<String> messages) {
        try (Connection c = Db.open(source, "source", "switch"); Statement s = c.createStatement()) {
            for (InPlaceSwap.Pending p : pending) {
                s.execute("ALTER TABLE " + p.table() + " VALIDATE CONSTRAINT \"" + p.constraint().replace("\"", "\"\"")
                        + "\"");
                messages.accept("validated foreign key " + p.constraint() + " of " + p.table());
            }
            return pending.size();
        } catch (SQLException e) {
            throw ServerErrors.during("validating the foreign keys re-added by the swap (they are in place NOT VALID, "
                    + "enforced for new rows; run ALTER TABLE ... VALIDATE CONSTRAINT by hand)", "source", e);
        }
    }

    @Override
    public void release() {
        locks.release();
    }

    @Override
    public void sendTraffic(Runnable hook) {
        hook.run();
    }

    @Override
    public void recover() {
        // As the lock fence: its locks die with the session that held them.
    }
}
