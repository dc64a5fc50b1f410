package dev.ferry.snapshot.internal;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Daemons;
import dev.ferry.core.Db;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.ConstraintInfo;
import dev.ferry.core.catalog.IndexInfo;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.core.state.AutovacuumPauses;
import dev.ferry.core.state.DeferredIndex;
import dev.ferry.core.ddl.DdlWriter;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Primary keys, unique and exclusion constraints and secondary indexes, built in parallel (one task per table
 * tree, since a partitioned parent's key is built on its partitions too), each tree as soon as all of its tables
 * are copied, while other tables still copy; then foreign keys {@code NOT VALID}. Statements that find their
 * object already there are skipped, so a resumed run re-runs this. A tree is only started once every chunk of it
 * has committed, so a resume never truncates a table that has indexes (it truncates only tables caught mid-copy).
 *
 * <p>Unique indexes and constraints of tables copied from a fresh snapshot (resync) are not built: older changes
 * the stream replays could violate them until it has passed that snapshot's LSN. They are returned instead.
 */
public final class IndexBuilder implements AutoCloseable {
    /** duplicate_table (index exists), duplicate_object (constraint exists), invalid_table_definition (a 2nd key). */
    static final Set<String> ALREADY_THERE = Set.of("42P07", "42710", "42P16");

    private final ConnectionSpec target;
    /** The snapshot's own target connection (autocommit), for the settings read and the foreign keys. */
    private final Connection work;
    private final Consumer<String> report;
    private final Map<TableId, TableWork> works;
    private final Map<TableId, Lsn> resync;
    private final int jobs;
    private final String stateSchema;
    private final Map<TableId, List<TableWork>> trees = new LinkedHashMap<>();
    private final Map<TableId, TableId> rootOf = new HashMap<>();
    private final Map<TableId, AtomicInteger> waiting = new HashMap<>();
    private final Set<TableId> submitted = ConcurrentHashMap.newKeySet();
    private final Queue<Future<?>> builds = new ConcurrentLinkedQueue<>();
    private final List<DeferredIndex> deferred = new CopyOnWriteArrayList<>();
    private final ExecutorService pool;
    private BuildSettings settings;
    /** Target tables whose autovacuum the snapshot turned off ({@link AutovacuumPauses}), lifted once built. */
    private Set<TableId> paused = Set.of();

    /**
     * @param work   the snapshot's own target connection, used from the caller's thread only; each build opens its own
     * @param resync the tables copied from a fresh snapshot, with its LSN (their unique indexes wait)
     */
    public IndexBuilder(ConnectionSpec target, Connection work, Consumer<String> report, Map<TableId, TableWork> works,
                        int jobs, Map<TableId, Lsn> resync, String stateSchema) {
        this.target = target;
        this.work = work;
        this.stateSchema = stateSchema;
        this.report = report;
        this.works = works;
        this.resync = Map.copyOf(resync);
        this.jobs = jobs;
        for (TableWork w : works.values()) {
            TableId root = root(w.source(), works);
            trees.computeIfAbsent(root, k -> new ArrayList<>()).add(w);
            rootOf.put(w.id(), root);
            waiting.computeIfAbsent(root, k -> new AtomicInteger());
        }
        int n = Math.max(1, Math.min(jobs, trees.size()));
        this.pool = Executors.newFixedThreadPool(n, Daemons.named("ferry-index"));
    }

    /**
     * Starts the trees none of whose tables has chunks left to copy ({@code copying} lists those that have); the
     * others start as {@link #tableCopied} reports their tables.
     */
    public void start(Set<TableId> copying) {
        int n = Math.max(1, Math.min(jobs, trees.size()));
        settings = BuildSettings.read(work, jobs, n);
        paused = AutovacuumPauses.recorded(work, stateSchema);
        report.accept("keys and indexes: up to " + n + " build(s) at once, " + settings.describe());
        for (TableId t : copying) {
            TableId root = rootOf.get(t);
            if (root != null) {
                waiting.get(root).incrementAndGet();
            }
        }
        trees.keySet().stream().filter(r -> waiting.get(r).get() == 0).forEach(this::submit);
    }

    /** Every chunk of {@code table} has committed; its tree is built once all of its tables are. Thread-safe. */
    public void tableCopied(TableId table) {
        TableId root = rootOf.get(table);
        if (root != null && waiting.get(root).decrementAndGet() == 0) {
            submit(root);
        }
    }

    /** Builds what is left and waits for every build; returns the unique indexes that wait for the stream. */
    public List<DeferredIndex> finish() {
        if (settings == null) {
            start(Set.of());
        }
        trees.keySet().forEach(this::submit);
        Future<?> f;
        while ((f = builds.poll()) != null) {
            Copier.await(f);
        }
        return List.copyOf(deferred);
    }

    /** Adds the foreign keys {@code NOT VALID}, once every key is built. */
    public void foreignKeys() {
        for (TableWork w : works.values()) {
            for (ConstraintInfo fk : w.source().foreignKeys()) {
                foreignKey(work, w, fk, works);
            }
        }
    }

    /** Stops builds not started; a build under way ends with its statement (or with the process). */
    @Override
    public void close() {
        pool.shutdownNow();
    }

    private void submit(TableId root) {
        if (!submitted.add(root)) {
            return;
        }
        List<TableWork> tree = trees.get(root);
        builds.add(pool.submit(() -> {
            try (Connection c = Db.open(target, "target", "index"); Statement st = c.createStatement()) {
                settings.apply(st);
                for (TableWork w : tree) {
                    buildTable(c, w, works, resync.get(w.id()), deferred);
                }
            }
            return null;
        }));
    }

    private static TableId root(TableInfo t, Map<TableId, TableWork> works) {
        TableInfo r = t;
        while (r.parent() != null && works.containsKey(r.parent())) {
            r = works.get(r.parent()).source();
        }
        return r.id();
    }

    private void buildTable(Connection c, TableWork w, Map<TableId, TableWork> works, Lsn resync,
                            List<DeferredIndex> deferred) {
        TableInfo info = w.source();
        TableId t = w.targetId();
        boolean parentHasKey = info.parent() != null && works.containsKey(info.parent())
                && works.get(info.parent()).target().hasKey();
        if (w.target().hasKey() && !parentHasKey) {
            run(c, w, DdlWriter.primaryKey(t, info.primaryKeyName(), w.target().key()), "primary key of " + t);
        }
        List<DeferredIndex> waits = uniques(w, resync);
        deferred.addAll(waits);
        Set<String> waiting = new java.util.HashSet<>();
        waits.forEach(d -> waiting.add(d.name()));
        for (ConstraintInfo k : info.constraints()) {
            if ((k.kind() == ConstraintInfo.Kind.UNIQUE || k.kind() == ConstraintInfo.Kind.EXCLUSION)
                    && !waiting.contains(k.name())) {
                run(c, w, DdlWriter.constraint(t, k), "constraint " + k.name() + " of " + t);
            }
        }
        for (IndexInfo i : info.indexes()) {
            if (i.constraint() || waiting.contains(i.name())) {
                continue; // built by its constraint above, or later
            }
            String sql = DdlWriter.index(i, w.id(), t);
            if (sql == null) {
                report.accept("index " + i.name() + " of " + w.id() + " was not created on " + t
                        + ": its definition could not be moved to the renamed table; create it by hand");
            } else {
                run(c, w, sql, "index " + i.name() + " of " + t);
            }
        }
        if (paused.contains(t)) {
            AutovacuumPauses.lift(c, stateSchema, t);
        }
    }

    /**
     * The unique constraints and indexes of a table copied from a fresh snapshot at {@code resync}: they must wait
     * for the stream. Empty when {@code resync} is null. A unique constraint is built as its index (concurrently,
     * so the stream's writes go on) and then attached with {@code USING INDEX}.
     */
    private static List<DeferredIndex> uniques(TableWork w, Lsn resync) {
        if (resync == null) {
            return List.of();
        }
        TableId t = w.targetId();
        List<DeferredIndex> out = new ArrayList<>();
        for (ConstraintInfo k : w.source().constraints()) {
            if (k.kind() == ConstraintInfo.Kind.UNIQUE) {
                String index = w.source().indexes().stream().filter(i -> i.constraint() && i.name().equals(k.name()))
                        .map(i -> DdlWriter.index(i, w.id(), t)).findFirst().orElse(null);
                int deferrable = k.definition().indexOf(" DEFERRABLE");
                out.add(index == null ? new DeferredIndex(t, k.name(), null, DdlWriter.constraint(t, k), resync)
                        : new DeferredIndex(t, k.name(), index, "ALTER TABLE " + t.quoted() + " ADD CONSTRAINT "
                        + Identifiers.quote(k.name()) + " UNIQUE USING INDEX " + Identifiers.quote(k.name())
                        + (deferrable < 0 ? "" : k.definition().substring(deferrable)), resync));
            } else if (k.kind() == ConstraintInfo.Kind.EXCLUSION) {
                out.add(new DeferredIndex(t, k.name(), null, DdlWriter.constraint(t, k), resync));
            }
        }
        for (IndexInfo i : w.source().indexes()) {
            String sql = i.unique() && !i.constraint() ? DdlWriter.index(i, w.id(), t) : null;
            if (sql != null) {
                out.add(new DeferredIndex(t, i.name(), sql, null, resync));
            }
        }
        return out;
    }

    private void foreignKey(Connection c, TableWork w, ConstraintInfo fk, Map<TableId, TableWork> works) {
        TableWork ref = works.get(fk.references());
        if (ref == null || !ref.passThrough() || !w.passThrough()) {
            report.accept("foreign key " + fk.name() + " of " + w.targetId() + " was not created: "
                    + (ref == null ? "it references " + fk.references() + ", which is not being moved"
                    : "a transform reshapes one of its tables; add it by hand if it still applies"));
            return;
        }
        run(c, w, DdlWriter.foreignKey(w.targetId(), fk, w.source().partitioned()), "foreign key " + fk.name());
    }

    private void run(Connection c, TableWork w, String sql, String what) {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            if (ALREADY_THERE.contains(e.getSQLState())) {
                return;
            }
            if (!w.passThrough()) {
                report.accept(what + " was not created (" + ServerErrors.firstLine(e) + "): a transform reshapes "
                        + w.id() + "; create it by hand if it still applies");
                return;
            }
            throw ServerErrors.during("creating the " + what, "target", e);
        }
    }
}
