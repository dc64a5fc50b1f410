package dev.ferry.snapshot.internal;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.ConstraintInfo;
import dev.ferry.core.catalog.IndexInfo;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.core.state.DeferredIndex;
import dev.ferry.core.ddl.DdlWriter;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * After the copy: primary keys, unique and exclusion constraints and secondary indexes, built in parallel (one
 * task per table tree, since a partitioned parent's key is built on its partitions too), then foreign keys
 * {@code NOT VALID}. Statements that find their object already there are skipped, so a resumed run re-runs this.
 *
 * <p>Unique indexes and constraints of tables copied from a fresh snapshot (resync) are not built: older changes
 * the stream replays could violate them until it has passed that snapshot's LSN. They are returned instead.
 */
public final class IndexBuilder {
    /** duplicate_table (index exists), duplicate_object (constraint exists), invalid_table_definition (a 2nd key). */
    static final Set<String> ALREADY_THERE = Set.of("42P07", "42710", "42P16");

    private final ConnectionSpec target;
    private final Consumer<String> report;

    public IndexBuilder(ConnectionSpec target, Consumer<String> report) {
        this.target = target;
        this.report = report;
    }

    public List<DeferredIndex> build(Map<TableId, TableWork> works, int jobs, Map<TableId, Lsn> resync) {
        Map<TableId, List<TableWork>> trees = new LinkedHashMap<>();
        for (TableWork w : works.values()) {
            trees.computeIfAbsent(root(w.source(), works), k -> new ArrayList<>()).add(w);
        }
        List<DeferredIndex> deferred = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(jobs, trees.size())));
        try {
            List<Future<?>> done = new ArrayList<>();
            for (List<TableWork> tree : trees.values()) {
                done.add(pool.submit(() -> {
                    try (Connection c = Db.open(target, "target", "index")) {
                        tune(c);
                        for (TableWork w : tree) {
                            buildTable(c, w, works, resync.get(w.id()), deferred);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                Copier.await(f);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = Db.open(target, "target", "index")) {
            for (TableWork w : works.values()) {
                for (ConstraintInfo fk : w.source().foreignKeys()) {
                    foreignKey(c, w, fk, works);
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("adding foreign keys", "target", e);
        }
        return List.copyOf(deferred);
    }

    private static TableId root(TableInfo t, Map<TableId, TableWork> works) {
        TableInfo r = t;
        while (r.parent() != null && works.containsKey(r.parent())) {
            r = works.get(r.parent()).source();
        }
        return r.id();
    }

    private static void tune(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET maintenance_work_mem = '256MB'");
        }
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
