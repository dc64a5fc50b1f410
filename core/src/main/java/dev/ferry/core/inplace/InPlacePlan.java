package dev.ferry.core.inplace;

import dev.ferry.core.FerryException;
import dev.ferry.core.Queries;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.Column;
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
 */
public record InPlacePlan(String shadowSchema, Map<TableId, TableId> shadows, Map<TableId, String> referencing,
                          List<String> kept, List<Transform> widen) {
    public static final String DEFAULT_SHADOW_SCHEMA = "ferry_shadow";
    public static final String OLD_SCHEMA = "ferry_old";

    /** One referencing column of a foreign key. */
    private record Reference(TableId table, String column, String type, TableId parent, String parentColumn,
                             String constraint) {}

    /**
     * @param wanted the tables the user named (--tables), or empty for every table of the database
     * @param widenReferences false when the user keeps referencing columns as they are
     */
    public static InPlacePlan make(Connection source, String stateSchema, String shadowSchema, TransformChain chain,
                                   Collection<TableId> wanted, boolean widenReferences) throws SQLException {
        Catalog catalog = new CatalogReader(source, stateSchema).read(List.of());
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
        for (TableId t : rebuilt) {
            TableInfo info = catalog.tables().get(t);
            if (info != null && (info.partitioned() || info.parent() != null)) {
                // The swap moves one table per original; a partition tree would need every partition rebuilt under
                // its parent's bounds and moved with it, which it does not do yet. Refused before anything is built.
                throw FerryException.usage("table " + t + (info.partitioned() ? " is partitioned" : " is a partition of "
                        + info.parent()) + (referencing.containsKey(t) ? " (rebuilt because its " + referencing.get(t)
                        + ")" : "") + ", and the in-place swap does not move partitioned tables yet; leave it out with "
                        + (referencing.containsKey(t) ? "--keep-references" : "--tables") + ", or reshape it between "
                        + "two servers");
            }
        }
        List<Transform> inner = new ArrayList<>(widen);
        inner.addAll(chain.transforms());
        TransformChain innerChain = new TransformChain(inner);
        Map<TableId, TableId> shadows = new LinkedHashMap<>();
        for (TableId t : rebuilt) {
            shadows.put(t, new TableId(shadowSchema, innerChain.mapSchema(all.get(t)).id().name()));
        }
        return new InPlacePlan(shadowSchema, shadows, referencing, kept, List.copyOf(widen));
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
                + "WHERE k.contype = 'f' ORDER BY 1, 2, 8, 3",
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
        TransformChain inner = new TransformChain(ts);
        for (TableId t : shadows.keySet()) {
            ts.add(new ShadowTable(renamed(inner, t), shadowSchema));
        }
        return new TransformChain(ts);
    }

    /** The name the transforms give a table (a rename-table changes it; other transforms keep it). */
    private static TableId renamed(TransformChain chain, TableId table) {
        TableId id = table;
        for (Transform t : chain.transforms()) {
            if (t instanceof dev.ferry.transforms.builtin.RenameTable r && t.touches(id)) {
                id = r.to();
            }
        }
        return id;
    }
}
