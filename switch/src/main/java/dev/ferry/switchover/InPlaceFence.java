package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Queries;
import dev.ferry.core.ServerErrors;
import dev.ferry.switchover.internal.Blockers;
import dev.ferry.switchover.internal.InPlaceSwap;
import dev.ferry.switchover.internal.SourceProtection;
import dev.ferry.switchover.internal.SwapNeighbours;
import dev.ferry.transforms.TableId;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The fence of an in-place switch (docs/design.md, "In place"). Writers are held as by the {@link LockFence}
 * (EXCLUSIVE locks on the originals, readers go on), with the tables the swap locks through foreign keys
 * ({@link SwapNeighbours}) locked first so that no writer queued at the fence holds one of them, while the stream
 * drains to the fence; then, in the same fence
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
    private SwapNeighbours neighbours;
    private boolean neighboursFenced;
    private List<String> viewNotes = List.of();

    /**
     * Reads what the swap carries before any write is held, and builds the materialized views over the shadows, so
     * the window holds only its DDL. Without it the reads happen in the fence transaction and the materialized views
     * are rebuilt there.
     */
    public void prepare() {
        try (Connection c = Db.open(source, "source", "switch")) {
            InPlaceSwap swap = new InPlaceSwap(shadows, oldSchema);
            swap.prepare(c);
            // Last, so that the materialized views are as recent as the shadows are now.
            viewNotes = swap.prebuild(c);
            prepared = swap;
            neighbours = SwapNeighbours.read(c, shadows.keySet());
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
        if (neighbours == null) {
            try (Connection c = Db.open(source, "source", "switch")) {
                neighbours = SwapNeighbours.read(c, shadows.keySet());
            } catch (SQLException e) {
                throw ServerErrors.during("reading the foreign keys of the swapped tables", "source", e);
            }
        }
        if (!neighboursFenced) {
            // Writers are held on the tables the swap locks through foreign keys too, and before the originals: a
            // writer that inserted a parent row and then queued at the fence on its child would otherwise hold the
            // parent, which the swap must lock (SHARE ROW EXCLUSIVE to re-create the child's key), while the swap
            // holds what it waits for: a deadlock. Held this way, no writer holds a lock the swap needs while it
            // queues; the parents' mode lets foreign-key checks (ROW SHARE) of other tables through.
            locks.lockFirst(neighbours.parents(), "SHARE ROW EXCLUSIVE");
            locks.lockFirst(neighbours.children(), "EXCLUSIVE");
            // Every original, partitioned roots too (the publication lists only the leaves): a writer through the
            // root holds it (ROW EXCLUSIVE) while it queues on a leaf, and the swap needs the root ACCESS EXCLUSIVE.
            locks.lockFirst(List.copyOf(new TreeSet<>(shadows.keySet())), "EXCLUSIVE");
            neighboursFenced = true;
        }
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
        // The parents are held SHARE ROW EXCLUSIVE since the writers' fence, which is all the swap needs of them.
        TreeSet<TableId> all = new TreeSet<>(shadows.keySet());
        all.addAll(shadows.values());
        all.addAll(neighbours.children());
        String lock = "LOCK TABLE " + all.stream().map(TableId::quoted).collect(Collectors.joining(", "))
                + " IN ACCESS EXCLUSIVE MODE";
        List<TableId> named = new ArrayList<>(all);
        List<Blockers.Session> blockers = List.of();
        try (Statement s = c.createStatement()) {
            for (int attempt = 1; ; attempt++) {
                s.execute("SAVEPOINT ferry_swap");
                try {
                    s.execute("SET LOCAL lock_timeout = '" + LockFence.ATTEMPT.toMillis() + "ms'");
                    long t0 = System.nanoTime();
                    s.execute(lock);
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

    /** What {@link #prepare} did with each materialized view over an original, one line each. */
    public List<String> materializedViews() {
        return viewNotes;
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
     * For a switch that finishes or confirms one killed after the swap committed, which may have died before or
     * while validating: the foreign keys of and to the swapped tables that are still {@code NOT VALID}, to be
     * validated by {@link #validateForeignKeys} as the killed switch would have (it validates every key the swap
     * re-added, whatever it was before).
     *
     * @param placed the new tables, under the originals' names
     */
    public void resumeValidation(Collection<TableId> placed) {
        try (Connection c = Db.open(source, "source", "switch")) {
            Array names = c.createArrayOf("text", placed.stream().map(TableId::quoted).toArray());
            pending = Queries.rows(c, "SELECT k.conrelid::regclass::text, k.conname FROM pg_constraint k "
                    + "WHERE k.contype = 'f' AND NOT k.convalidated "
                    + "AND (k.conrelid IN (SELECT to_regclass(x) FROM unnest(?::text[]) x) "
                    + "OR k.confrelid IN (SELECT to_regclass(x) FROM unnest(?::text[]) x)) ORDER BY 1, 2",
                    rs -> new InPlaceSwap.Pending(rs.getString(1), rs.getString(2)), names, names);
        } catch (SQLException e) {
            throw ServerErrors.during("reading the foreign keys the swap left to validate", "source", e);
        }
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

    /** The swap commits with the protection: undoing the protection afterwards would not undo the swap. */
    @Override
    public boolean protectionIsFinal() {
        return true;
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
