package dev.ferry.core.objects.internal;

import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Operators of the migrated schemas, and the casts from, to or through their types and functions. */
final class OperatorsAndCasts {
    private OperatorsAndCasts() {}

    static List<SchemaObject> read(ReadContext x) throws SQLException {
        List<SchemaObject> out = new ArrayList<>();
        long op = x.classId("pg_operator");
        out.addAll(Query.rows(x.c, "SELECT o.oid::int8, (pg_identify_object('pg_operator'::regclass, o.oid, 0)).identity, "
                + "quote_ident(n.nspname) || '.' || o.oprname, "
                + "CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END, "
                + "CASE WHEN o.oprright <> 0 THEN format_type(o.oprright, NULL) END, o.oprcode::regproc::text, "
                + "CASE WHEN o.oprcom <> 0 THEN o.oprcom::regoper::text END, "
                + "CASE WHEN o.oprnegate <> 0 THEN o.oprnegate::regoper::text END, "
                + "CASE WHEN o.oprrest <> 0 THEN o.oprrest::regproc::text END, "
                + "CASE WHEN o.oprjoin <> 0 THEN o.oprjoin::regproc::text END, o.oprcanhash, o.oprcanmerge, "
                + "pg_get_userbyid(o.oprowner), obj_description(o.oid, 'pg_operator') "
                + "FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace "
                + "WHERE n.nspname = ANY(?::text[]) AND " + ReadContext.notInExtension("pg_operator", "o.oid")
                + " ORDER BY 2", rs -> {
                    List<String> o = new ArrayList<>();
                    if (rs.getString(4) != null) {
                        o.add("LEFTARG = " + rs.getString(4));
                    }
                    if (rs.getString(5) != null) {
                        o.add("RIGHTARG = " + rs.getString(5));
                    }
                    o.add("FUNCTION = " + rs.getString(6));
                    if (rs.getString(7) != null) {
                        o.add("COMMUTATOR = OPERATOR(" + rs.getString(7) + ")");
                    }
                    if (rs.getString(8) != null) {
                        o.add("NEGATOR = OPERATOR(" + rs.getString(8) + ")");
                    }
                    if (rs.getString(9) != null) {
                        o.add("RESTRICT = " + rs.getString(9));
                    }
                    if (rs.getString(10) != null) {
                        o.add("JOIN = " + rs.getString(10));
                    }
                    if (rs.getBoolean(11)) {
                        o.add("HASHES");
                    }
                    if (rs.getBoolean(12)) {
                        o.add("MERGES");
                    }
                    String def = "CREATE OPERATOR " + rs.getString(3) + " (" + String.join(", ", o) + ")";
                    return new SchemaObject(Kind.OPERATOR, rs.getString(2), null, null, def, List.of(def),
                            rs.getString(13), null, true, rs.getString(14), Stage.BEFORE_TABLES, op, rs.getLong(1),
                            null, false);
                }, x.schemas()));
        long cast = x.classId("pg_cast");
        out.addAll(Query.rows(x.c, "SELECT c.oid::int8, (pg_identify_object('pg_cast'::regclass, c.oid, 0)).identity, "
                + "format_type(c.castsource, NULL), format_type(c.casttarget, NULL), "
                + "CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END, c.castcontext::text, "
                + "c.castmethod::text, obj_description(c.oid, 'pg_cast') FROM pg_cast c "
                + "WHERE c.oid >= 16384 AND " + ReadContext.notInExtension("pg_cast", "c.oid") + " AND EXISTS ("
                + "  SELECT 1 FROM pg_namespace n WHERE n.nspname = ANY(?::text[]) AND n.oid IN ("
                + "    (SELECT typnamespace FROM pg_type WHERE oid = c.castsource), "
                + "    (SELECT typnamespace FROM pg_type WHERE oid = c.casttarget), "
                + "    (SELECT pronamespace FROM pg_proc WHERE oid = c.castfunc))) ORDER BY 2", rs -> {
                    String how = switch (rs.getString(7)) {
                        case "i" -> " WITH INOUT";
                        case "b" -> " WITHOUT FUNCTION";
                        default -> " WITH FUNCTION " + rs.getString(5);
                    };
                    String context = switch (rs.getString(6)) {
                        case "a" -> " AS ASSIGNMENT";
                        case "i" -> " AS IMPLICIT";
                        default -> "";
                    };
                    String def = "CREATE CAST (" + rs.getString(3) + " AS " + rs.getString(4) + ")" + how + context;
                    return new SchemaObject(Kind.CAST, rs.getString(2), null, null, def, List.of(def), null, null, true,
                            rs.getString(8), Stage.BEFORE_TABLES, cast, rs.getLong(1), null, false);
                }, x.schemas()));
        return out;
    }
}
