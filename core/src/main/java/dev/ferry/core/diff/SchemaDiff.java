package dev.ferry.core.diff;

import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.ConstraintInfo;
import dev.ferry.core.catalog.IndexInfo;
import dev.ferry.core.catalog.SequenceInfo;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares the source schema, as the transforms reshape it, with the schema the target already has.
 * Indexes and foreign keys are compared by what they do (columns, method, predicate, referenced table), not by
 * name, since names legitimately differ between servers. Pure: both catalogs are read by the caller.
 */
public final class SchemaDiff {
    private SchemaDiff() {}

    public static List<Difference> compare(Catalog source, TransformChain transforms, Catalog target) {
        List<Difference> out = new ArrayList<>();
        Map<TableId, TableId> renamed = new LinkedHashMap<>();
        Map<TableId, TableSchema> expected = new LinkedHashMap<>();
        for (TableInfo t : source.tables().values()) {
            TableSchema mapped = transforms.mapSchema(t.schema());
            renamed.put(t.id(), mapped.id());
            expected.put(mapped.id(), mapped);
        }
        for (TableInfo t : source.tables().values()) {
            TableSchema want = expected.get(renamed.get(t.id()));
            TableInfo have = target.tables().get(want.id());
            if (have == null) {
                out.add(new Difference(Difference.Kind.MISSING_TABLE, want.id().toString(), "table", null));
                continue;
            }
            compareColumns(want, have.schema(), out);
            if (!want.key().equals(have.schema().key())) {
                out.add(new Difference(Difference.Kind.PRIMARY_KEY, want.id().toString(), keyText(want.key()),
                        keyText(have.schema().key())));
            }
            compareSet(want.id(), indexShapes(t, renamed), indexShapes(have, Map.of()), Difference.Kind.MISSING_INDEX,
                    Difference.Kind.UNEXPECTED_INDEX, out);
            compareSet(want.id(), foreignKeys(t, renamed), foreignKeys(have, Map.of()),
                    Difference.Kind.MISSING_FOREIGN_KEY, Difference.Kind.UNEXPECTED_FOREIGN_KEY, out);
        }
        for (TableId id : target.tables().keySet()) {
            if (!expected.containsKey(id)) {
                out.add(new Difference(Difference.Kind.UNEXPECTED_TABLE, id.toString(), null, "table"));
            }
        }
        compareSequences(source, target, expected, out);
        return out;
    }

    private static void compareColumns(TableSchema want, TableSchema have, List<Difference> out) {
        for (Column c : want.columns()) {
            String name = want.id() + "." + c.name();
            Column h = have.column(c.name()).orElse(null);
            if (h == null) {
                out.add(new Difference(Difference.Kind.MISSING_COLUMN, name, c.type(), null));
                continue;
            }
            if (!c.type().equals(h.type())) {
                out.add(new Difference(Difference.Kind.COLUMN_TYPE, name, c.type(), h.type()));
            }
            if (c.notNull() != h.notNull()) {
                out.add(new Difference(Difference.Kind.NULLABILITY, name, nullability(c), nullability(h)));
            }
            if (!Objects.equals(normalDefault(c.defaultExpr()), normalDefault(h.defaultExpr()))) {
                out.add(new Difference(Difference.Kind.COLUMN_DEFAULT, name, String.valueOf(c.defaultExpr()),
                        String.valueOf(h.defaultExpr())));
            }
        }
        for (Column h : have.columns()) {
            if (want.column(h.name()).isEmpty()) {
                out.add(new Difference(Difference.Kind.UNEXPECTED_COLUMN, want.id() + "." + h.name(), null, h.type()));
            }
        }
    }

    /** Sequence defaults name the sequence, whose schema-qualified name may differ only by renames: compare shape. */
    private static String normalDefault(String expr) {
        return expr == null ? null : expr.replaceAll("nextval\\('[^']*'::regclass\\)", "nextval(<sequence>)");
    }

    private static String nullability(Column c) {
        return c.notNull() ? "NOT NULL" : "nullable";
    }

    private static String keyText(List<String> key) {
        return key.isEmpty() ? "(none)" : "(" + String.join(", ", key) + ")";
    }

    /** {@code UNIQUE btree (lower(email)) WHERE ...}: the index without its name and table. */
    static Set<String> indexShapes(TableInfo t, Map<TableId, TableId> renamed) {
        Set<String> out = new LinkedHashSet<>();
        for (IndexInfo i : t.indexes()) {
            String def = i.definition();
            int using = def.indexOf(" USING ");
            out.add((i.unique() ? "UNIQUE " : "") + (using >= 0 ? def.substring(using + 7) : def));
        }
        return out;
    }

    static Set<String> foreignKeys(TableInfo t, Map<TableId, TableId> renamed) {
        Set<String> out = new LinkedHashSet<>();
        for (ConstraintInfo c : t.foreignKeys()) {
            String def = c.definition().replace(" NOT VALID", "");
            if (c.references() != null && renamed.containsKey(c.references())) {
                TableId to = renamed.get(c.references());
                def = def.replace("REFERENCES " + qualifiedForDisplay(c.references()), "REFERENCES " + qualifiedForDisplay(to));
            }
            out.add(def);
        }
        return out;
    }

    /** How pg_get_constraintdef prints a table under an empty search_path: quoted only where needed. */
    private static String qualifiedForDisplay(TableId id) {
        return quoteIfNeeded(id.schema()) + "." + quoteIfNeeded(id.name());
    }

    private static String quoteIfNeeded(String name) {
        return name.matches("[a-z_][a-z0-9_$]*") ? name : dev.ferry.transforms.Identifiers.quote(name);
    }

    private static void compareSet(TableId table, Set<String> want, Set<String> have, Difference.Kind missing,
                                   Difference.Kind unexpected, List<Difference> out) {
        for (String w : want) {
            if (!have.contains(w)) {
                out.add(new Difference(missing, table.toString(), w, null));
            }
        }
        for (String h : have) {
            if (!want.contains(h)) {
                out.add(new Difference(unexpected, table.toString(), null, h));
            }
        }
    }

    private static void compareSequences(Catalog source, Catalog target, Map<TableId, TableSchema> expected,
                                         List<Difference> out) {
        Map<String, SequenceInfo> have = new LinkedHashMap<>();
        for (SequenceInfo s : target.sequences()) {
            if (s.ownerTable() != null) {
                have.put(s.ownerTable() + "." + s.ownerColumn(), s);
            }
        }
        for (SequenceInfo s : source.sequences()) {
            if (s.ownerTable() == null) {
                continue;
            }
            TableSchema mapped = null;
            for (TableSchema e : expected.values()) {
                if (e.id().equals(s.ownerTable()) || e.column(s.ownerColumn()).isPresent() && e.id().name().equals(s.ownerTable().name())) {
                    mapped = e;
                    break;
                }
            }
            TableId owner = mapped == null ? s.ownerTable() : mapped.id();
            SequenceInfo h = have.get(owner + "." + s.ownerColumn());
            if (h == null) {
                out.add(new Difference(Difference.Kind.MISSING_SEQUENCE, s.id() + " (owned by " + owner + "." + s.ownerColumn()
                        + ")", s.type(), null));
                continue;
            }
            String wantType = mapped == null ? s.type() : mapped.column(s.ownerColumn()).map(Column::type)
                    .filter(t -> t.equals("bigint") || t.equals("smallint") || t.equals("integer")).orElse(s.type());
            if (!wantType.equals(h.type())) {
                out.add(new Difference(Difference.Kind.SEQUENCE_TYPE, h.id().toString(), wantType, h.type()));
            }
        }
    }
}
