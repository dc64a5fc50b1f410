package dev.ferry.core.inplace;

import dev.ferry.core.FerryException;
import dev.ferry.core.Queries;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.PartitionRoots;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.PartitionTransform;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.Transform;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.builtin.ChangeType;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What an in-place run rebuilds (docs/design.md, "In place"): the tables a transform reshapes, and the tables
 * whose foreign keys reference a column that changes type (their referencing columns are widened the same way,
 * so children can take the parent's ids once those pass 2³¹−1), each as a shadow table in {@link #shadowSchema}.
 * Everything else stays where it is and is not copied.
 *
 * @param shadows     every table rebuilt, to its shadow table (the transforms' name in the shadow schema)
 * @param referencing the rebuilt tables that are rebuilt only because they reference a widened key, with why
 * @param kept        foreign keys that reference a widened key from a table left as it is (--keep-references)
 * @param widen       the transforms widening referencing columns (they run before the configured ones)
 * @param partitions  each rebuilt partition to the root of its tree (rebuilt too, with every partition)
 */
public record InPlacePlan(String shadowSchema, Map<TableId, TableId> shadows, Map<TableId, String> referencing,
                          List<String> kept, List<Transform> widen, Map<TableId, TableId> partitions) {
    public static final String DEFAULT_SHADOW_SCHEMA = "ferry_shadow";
    public static final String OLD_SCHEMA = "ferry_old";

    /** One referencing column of a foreign key. */
    private record Reference(TableId table, String column, String type, TableId parent, String parentColumn,
                             String constraint) {}

    /**
     * @param wanted the tables the user named (--tables), or empty for every table of the database
     * @param widenReferences false when the user keeps referencing columns as they are
     */
    public static InPlacePlan make(Connection source, String stateSchema, String shadowSchema, TransformChain configured,
                                   Collection<TableId> wanted, boolean widenReferences) throws SQLException {
        Catalog catalog = new CatalogReader(source, stateSchema).read(List.of());
        Map<TableId, TableId> roots = new LinkedHashMap<>(PartitionRoots.read(source));
        roots.keySet().removeIf(t -> t.schema().equals(shadowSchema) || t.schema().equals(OLD_SCHEMA));
        TransformChain chain = configured.withPartitions(roots);
        Map<TableId, TableSchema> all = new LinkedHashMap<>();
        for (TableInfo t : catalog.tables().values()) {
            String s = t.id().schema();
            if (!s.equals(shadowSchema) && !s.equals(OLD_SCHEMA)) {
                all.put(t.id(), t.schema());
            }
        }
        Set<TableId> rebuilt = new LinkedHashSet<>();
        for (TableId id : all.keySet()) {
            if ((wanted.isEmpty() || wanted.contains(id)) && !chain.passesThrough(id)) {
                rebuilt.add(id);
            }
        }
        List<Reference> refs = references(source);
        Map<TableId, String> referencing = new LinkedHashMap<>();
        List<String> kept = new ArrayList<>();
        List<Transform> widen = new ArrayList<>();
        Map<TableId, TableSchema> widened = new LinkedHashMap<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Reference r : refs) {
                Optional<String> newType = newType(r, all, chain, widen, rebuilt);
                if (newType.isEmpty() || !all.containsKey(r.table())) {
                    continue;
                }
                String why = "foreign key " + r.constraint() + " (" + r.column() + ") references " + r.parent() + "."
                        + r.parentColumn() + ", which becomes " + newType.get();
                if (!widenReferences) {
                    if (!kept.contains(r.table() + ": " + why)) {
                        kept.add(r.table() + ": " + why);
                    }
                    continue;
                }
                if (widened.containsKey(r.table()) && widened.get(r.table()).column(r.column())
                        .map(c -> c.type().equals(newType.get())).orElse(false)) {
                    continue;
                }
                widen.add(ChangeType.to(r.table(), r.column(), newType.get()));
                TableSchema base = widened.getOrDefault(r.table(), all.get(r.table()));
                widened.put(r.table(), base.withColumns(base.columns().stream().map(c -> c.name().equals(r.column())
                        ? c.withType(newType.get(), true) : c).toList(), base.key()));
                if (rebuilt.add(r.table())) {
                    referencing.put(r.table(), why);
                }
                changed = true;
            }
        }
        Map<TableId, TableId> partitions = wholeTrees(rebuilt, roots, referencing);
        List<Transform> inner = new ArrayList<>(widen);
        inner.addAll(chain.transforms());
        for (TableId leaf : partitions.keySet()) {
            List<String> own = inner.stream().filter(t -> PartitionTransform.names(t, leaf)).map(Transform::name).toList();
            if (!own.isEmpty()) {
                // A partition's columns are its parent's: the shadow partition could not be PARTITION OF the shadow
                // root in a shape of its own.
                throw FerryException.usage("table " + leaf + " is a partition of " + partitions.get(leaf) + " and has "
                        + "transforms of its own (" + String.join(", ", own) + "); in place a partition tree is "
                        + "rebuilt whole and every partition takes its root's transforms: configure them for "
                        + partitions.get(leaf));
            }
        }
        TransformChain innerChain = new TransformChain(inner).withPartitions(partitions);
        Map<TableId, TableId> shadows = new LinkedHashMap<>();
        for (TableId t : rebuilt) {
            shadows.put(t, new TableId(shadowSchema, innerChain.mapSchema(all.get(t)).id().name()));
        }
        return new InPlacePlan(shadowSchema, shadows, referencing, kept, List.copyOf(widen), Map.copyOf(partitions));
    }

    /**
     * Adds every partition of a rebuilt partitioned table to the rebuilt tables (the swap moves a tree whole, and a
     * partition named alone by --tables is left out otherwise), and refuses a partition rebuilt without its root.
     * Returns each rebuilt partition to its root.
     */
    private static Map<TableId, TableId> wholeTrees(Set<TableId> rebuilt, Map<TableId, TableId> roots,
                                                    Map<TableId, String> referencing) {
        Map<TableId, TableId> partitions = new LinkedHashMap<>();
        for (TableId t : rebuilt) {
            TableId root = roots.get(t);
            if (root != null && !rebuilt.contains(root)) {
                throw FerryException.usage("table " + t + " is a partition of " + root + (referencing.containsKey(t)
                        ? " (rebuilt because its " + referencing.get(t) + ")" : "") + ", and in place a partition "
                        + "tree is rebuilt whole: configure the transform for " + root + " (it reaches every "
                        + "partition)" + (referencing.containsKey(t) ? ", or keep the column with --keep-references" : ""));
            }
        }
        roots.forEach((leaf, root) -> {
            if (rebuilt.contains(root)) {
                partitions.put(leaf, root);
            }
        });
        rebuilt.addAll(partitions.keySet());
        return partitions;
    }

    /** The parent column's type after the run, when it differs from the referencing column's current type. */
    private static Optional<String> newType(Reference r, Map<TableId, TableSchema> all, TransformChain chain,
                                            List<Transform> widen, Set<TableId> rebuilt) {
        TableSchema parent = all.get(r.parent());
        if (parent == null || !rebuilt.contains(r.parent())) {
            return Optional.empty();
        }
        List<Transform> ts = new ArrayList<>(widen);
        ts.addAll(chain.transforms());
        TableSchema mapped = new TransformChain(ts).mapSchema(parent);
        return mapped.column(r.parentColumn()).map(Column::type).filter(t -> !t.equals(r.type()))
                .filter(t -> parent.column(r.parentColumn()).map(c -> !c.type().equals(t)).orElse(false));
    }

    private static List<Reference> references(Connection c) throws SQLException {
        return Queries.rows(c, "SELECT cn.nspname, cl.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
                + "rn.nspname, rl.relname, ra.attname, k.conname FROM pg_constraint k "
                + "CROSS JOIN LATERAL unnest(k.conkey, k.confkey) AS u(col, refcol) "
                + "JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = cl.relnamespace "
                + "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.col "
                + "JOIN pg_class rl ON rl.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = rl.relnamespace "
                + "JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = u.refcol "
                + "WHERE k.contype = 'f' AND k.conparentid = 0 ORDER BY 1, 2, 8, 3",
                rs -> new Reference(new TableId(rs.getString(1), rs.getString(2)), rs.getString(3), rs.getString(4),
                        new TableId(rs.getString(5), rs.getString(6)), rs.getString(7), rs.getString(8)));
    }

    /** Every table rebuilt, in a stable order. */
    public List<TableId> rebuilt() {
        return List.copyOf(shadows.keySet());
    }

    /** The configured chain with the widening before it and the move into the shadow schema after it. */
    public TransformChain extend(TransformChain configured) {
        List<Transform> ts = new ArrayList<>(widen);
        ts.addAll(configured.transforms());
        TransformChain inner = new TransformChain(ts).withPartitions(partitions);
        ts = new ArrayList<>(inner.transforms());
        for (TableId t : shadows.keySet()) {
            ts.add(new ShadowTable(renamed(inner, t), shadowSchema));
        }
        return new TransformChain(ts);
    }

    /** The name the transforms give a table (a rename-table changes it; other transforms keep it). */
    private static TableId renamed(TransformChain chain, TableId table) {
        TableId id = table;
        for (Transform t : chain.transforms()) {
            // A partition reached through its root's transforms keeps its name: only the root's own rename counts.
            id = t.renames(id);
        }
        return id;
    }
}
