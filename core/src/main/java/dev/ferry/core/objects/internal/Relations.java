package dev.ferry.core.objects.internal;

import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Sequences, views and materialized views of the migrated schemas, and the indexes of materialized views. Views come
 * from {@code pg_get_viewdef} read under an empty search_path, so every name in them is qualified.
 */
final class Relations {
    /** The state of a sequence a column owns: created with its table by the snapshot, its owner follows the table's. */
    static final String OWNED = "owned";

    private Relations() {}

    static List<SchemaObject> read(ReadContext x) throws SQLException {
        long cls = x.classId("pg_class");
        List<SchemaObject> out = new ArrayList<>();
        out.addAll(Query.rows(x.c, "SELECT s.oid::int8, quote_ident(n.nspname) || '.' || quote_ident(s.relname), "
                + "format_type(q.seqtypid, NULL), q.seqincrement, q.seqmin, q.seqmax, q.seqstart, q.seqcache, q.seqcycle, "
                + "pg_get_userbyid(s.relowner), " + Acl.items("s.relacl", 's', "s.relowner") + ", s.relacl IS NULL, "
                + "obj_description(s.oid, 'pg_class'), EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
                + "'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a') "
                + "FROM pg_sequence q JOIN pg_class s ON s.oid = q.seqrelid JOIN pg_namespace n ON n.oid = s.relnamespace "
                + "WHERE n.nspname = ANY(?::text[]) AND " + ReadContext.notInExtension("pg_class", "s.oid")
                + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid "
                + "  AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i') ORDER BY 2", rs -> {
                    boolean owned = rs.getBoolean(14);
                    // An owned sequence is the snapshot's (its type follows its column's, widened or not).
                    String def = owned ? null : "CREATE SEQUENCE IF NOT EXISTS " + rs.getString(2) + " AS " + rs.getString(3)
                            + " INCREMENT BY " + rs.getLong(4) + " MINVALUE " + rs.getLong(5) + " MAXVALUE " + rs.getLong(6)
                            + " START WITH " + rs.getLong(7) + " CACHE " + rs.getLong(8) + (rs.getBoolean(9) ? " CYCLE" : " NO CYCLE");
                    return new SchemaObject(Kind.SEQUENCE, rs.getString(2), null, null, def,
                            def == null ? List.of() : List.of(def), rs.getString(10), Query.strings(rs.getArray(11)),
                            rs.getBoolean(12), rs.getString(13), owned ? Stage.EXISTING : Stage.BEFORE_TABLES, cls,
                            rs.getLong(1), owned ? OWNED : null, false);
                }, x.schemas()));
        out.addAll(Query.rows(x.c, "SELECT c.oid::int8, quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
                + "c.relkind::text, pg_get_viewdef(c.oid), array_to_string(c.reloptions, ', '), pg_get_userbyid(c.relowner), "
                + Acl.items("c.relacl", 'r', "c.relowner") + ", c.relacl IS NULL, obj_description(c.oid, 'pg_class') "
                + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(?::text[]) AND "
                + ReadContext.notInExtension("pg_class", "c.oid") + " ORDER BY 2", rs -> {
                    boolean matview = rs.getString(3).equals("m");
                    String query = stripSemicolon(rs.getString(4));
                    String with = rs.getString(5) == null || rs.getString(5).isEmpty() ? "" : " WITH (" + rs.getString(5) + ")";
                    String create = matview
                            ? "CREATE MATERIALIZED VIEW IF NOT EXISTS " + rs.getString(2) + with + " AS" + query + " WITH NO DATA"
                            : "CREATE OR REPLACE VIEW " + rs.getString(2) + with + " AS" + query;
                    // The query is what is compared; the options (security_barrier, check_option...) are its state.
                    return new SchemaObject(matview ? Kind.MATERIALIZED_VIEW : Kind.VIEW, rs.getString(2), null, null,
                            query.strip(), List.of(create), rs.getString(6), Query.strings(rs.getArray(7)), rs.getBoolean(8),
                            rs.getString(9), Stage.AFTER_TABLES, cls, rs.getLong(1), with.strip(), false);
                }, x.schemas()));
        // Indexes of materialized views: built after the refresh (the snapshot's index build knows only tables).
        out.addAll(Query.rows(x.c, "SELECT i.indexrelid::int8, quote_ident(n.nspname) || '.' || quote_ident(ic.relname), "
                + "quote_ident(n.nspname) || '.' || quote_ident(m.relname), pg_get_indexdef(i.indexrelid), "
                + "obj_description(i.indexrelid, 'pg_class') FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
                + "JOIN pg_class m ON m.oid = i.indrelid JOIN pg_namespace n ON n.oid = m.relnamespace "
                + "WHERE m.relkind = 'm' AND n.nspname = ANY(?::text[]) ORDER BY 2", rs -> new SchemaObject(Kind.INDEX,
                rs.getString(2), rs.getString(3), null, rs.getString(4), List.of(rs.getString(4)), null, null, true,
                rs.getString(5), Stage.AFTER_COPY, cls, rs.getLong(1), null, false), x.schemas()));
        return out;
    }

    /** {@code pg_get_viewdef} and {@code pg_get_ruledef} end their text with a semicolon. */
    static String stripSemicolon(String sql) {
        String s = sql.strip();
        return " " + (s.endsWith(";") ? s.substring(0, s.length() - 1) : s);
    }
}
