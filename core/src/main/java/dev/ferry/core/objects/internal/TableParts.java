package dev.ferry.core.objects.internal;

import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the snapshot creates itself (tables, their indexes and constraints, the types they use) and Ferry completes
 * after the copy: owners, privileges (column privileges too), comments and the tables' row-level security flags.
 * Names of tables are their target names, always quoted.
 */
final class TableParts {
    private TableParts() {}

    static List<SchemaObject> read(ReadContext x) throws SQLException {
        long cls = x.classId("pg_class");
        List<SchemaObject> out = new ArrayList<>();
        out.addAll(Query.rows(x.c, "SELECT c.oid::int8, pg_get_userbyid(c.relowner), "
                + Acl.items("c.relacl", 'r', "c.relowner") + ", c.relacl IS NULL, obj_description(c.oid, 'pg_class'), "
                + "c.relrowsecurity, c.relforcerowsecurity FROM pg_class c WHERE c.oid = ANY(?::int8[]::oid[]) ORDER BY 1",
                rs -> {
                    String id = x.tables.get(rs.getLong(1)).quoted();
                    boolean rls = rs.getBoolean(6);
                    boolean force = rs.getBoolean(7);
                    List<String> create = new ArrayList<>();
                    if (rls) {
                        create.add("ALTER TABLE " + id + " ENABLE ROW LEVEL SECURITY");
                    }
                    if (force) {
                        create.add("ALTER TABLE " + id + " FORCE ROW LEVEL SECURITY");
                    }
                    String def = "row level security " + (rls ? "enabled" : "disabled") + (force ? ", forced" : "");
                    return new SchemaObject(Kind.TABLE, id, null, null, def, create, rs.getString(2),
                            Query.strings(rs.getArray(3)), rs.getBoolean(4), rs.getString(5), Stage.AFTER_COPY, cls,
                            rs.getLong(1), null, false);
                }, x.tableOids()));
        // Columns with a comment or privileges of their own, of the tables and of the views.
        out.addAll(Query.rows(x.c, "SELECT a.attrelid::int8, a.attname, col_description(a.attrelid, a.attnum), "
                + "CASE WHEN a.attacl IS NOT NULL THEN " + Acl.items("a.attacl", 'c', "c.relowner") + " END, "
                + "quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text IN ('v', 'm') "
                + "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE a.attnum > 0 AND NOT a.attisdropped AND (col_description(a.attrelid, a.attnum) IS NOT NULL "
                + "  OR a.attacl IS NOT NULL) AND (c.oid = ANY(?::int8[]::oid[]) OR c.relkind IN ('v', 'm') "
                + "  AND n.nspname = ANY(?::text[]) AND " + ReadContext.notInExtension("pg_class", "c.oid") + ") "
                + "ORDER BY 1, a.attnum", rs -> {
                    TableId table = x.tables.get(rs.getLong(1));
                    String parent = rs.getBoolean(6) || table == null ? rs.getString(5) : table.quoted();
                    return new SchemaObject(Kind.COLUMN, parent + "." + Identifiers.quote(rs.getString(2)), parent,
                            rs.getString(2), null, List.of(), null, Query.strings(rs.getArray(4)), false, rs.getString(3),
                            Stage.EXISTING, cls, rs.getLong(1), null, false);
                }, x.tableOids(), x.schemas()));
        // Indexes and constraints: only their comments are ours.
        out.addAll(Query.rows(x.c, "SELECT i.indrelid::int8, quote_ident(n.nspname) || '.' || quote_ident(ic.relname), "
                + "obj_description(i.indexrelid, 'pg_class'), i.indexrelid::int8 FROM pg_index i "
                + "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace "
                + "WHERE i.indrelid = ANY(?::int8[]::oid[]) AND obj_description(i.indexrelid, 'pg_class') IS NOT NULL "
                + "ORDER BY 2", rs -> new SchemaObject(Kind.INDEX, rs.getString(2), x.tables.get(rs.getLong(1)).quoted(),
                null, null, List.of(), null, null, true, rs.getString(3), Stage.EXISTING, cls, rs.getLong(4), null, false),
                x.tableOids()));
        long con = x.classId("pg_constraint");
        out.addAll(Query.rows(x.c, "SELECT k.conrelid::int8, k.conname, obj_description(k.oid, 'pg_constraint'), "
                + "k.oid::int8 FROM pg_constraint k WHERE k.conrelid = ANY(?::int8[]::oid[]) "
                + "AND obj_description(k.oid, 'pg_constraint') IS NOT NULL ORDER BY 2", rs -> {
                    String parent = x.tables.get(rs.getLong(1)).quoted();
                    return new SchemaObject(Kind.CONSTRAINT, Identifiers.quote(rs.getString(2)) + " ON " + parent, parent,
                            rs.getString(2), null, List.of(), null, null, true, rs.getString(3), Stage.EXISTING, con,
                            rs.getLong(4), null, false);
                }, x.tableOids()));
        // Extended statistics (CREATE STATISTICS), after the copy: ANALYZE fills them. On a reshaped table their
        // columns may be gone, so they are not carried there (named, or given in ferry.yml's objects: replace:).
        long stx = x.classId("pg_statistic_ext");
        out.addAll(Query.rows(x.c, "SELECT s.oid::int8, s.stxrelid::int8, quote_ident(n.nspname) || '.' || "
                + "quote_ident(s.stxname), pg_get_statisticsobjdef(s.oid), pg_get_userbyid(s.stxowner), "
                + "obj_description(s.oid, 'pg_statistic_ext') FROM pg_statistic_ext s "
                + "JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE s.stxrelid = ANY(?::int8[]::oid[]) ORDER BY 3",
                rs -> new SchemaObject(Kind.STATISTICS, rs.getString(3), x.tables.get(rs.getLong(2)).quoted(), null,
                        rs.getString(4), List.of(rs.getString(4)), rs.getString(5), null, true, rs.getString(6),
                        x.reshaped.contains(rs.getLong(2)) ? Stage.EXISTING : Stage.AFTER_COPY, stx, rs.getLong(1),
                        null, false), x.tableOids()));
        long type = x.classId("pg_type");
        out.addAll(Query.rows(x.c, "SELECT t.oid::int8, t.typtype::text, quote_ident(n.nspname) || '.' || quote_ident(t.typname), "
                + "pg_get_userbyid(t.typowner), " + Acl.items("t.typacl", 'T', "t.typowner") + ", t.typacl IS NULL, "
                + "obj_description(t.oid, 'pg_type') FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                + "WHERE n.nspname = ANY(?::text[]) AND " + ReadContext.notInExtension("pg_type", "t.oid")
                + " AND (t.typtype IN ('e', 'd', 'r') OR t.typtype = 'c' AND "
                + "  (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') ORDER BY 3", rs -> new SchemaObject(
                rs.getString(2).equals("d") ? Kind.DOMAIN : Kind.TYPE, rs.getString(3), null, null, null, List.of(),
                rs.getString(4), Query.strings(rs.getArray(5)), rs.getBoolean(6), rs.getString(7), Stage.EXISTING, type,
                rs.getLong(1), null, false), x.schemas()));
        return out;
    }
}
