package dev.ferry.core.objects.internal;

import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import dev.ferry.transforms.Identifiers;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Functions, procedures and aggregates. Functions and procedures come from {@code pg_get_functiondef} (the
 * server's own text, {@code CREATE OR REPLACE}); aggregates, which it refuses, from {@code pg_aggregate}.
 */
final class Routines {
    private Routines() {}

    static List<SchemaObject> read(ReadContext x) throws SQLException {
        long proc = x.classId("pg_proc");
        List<SchemaObject> out = new ArrayList<>();
        for (SchemaObject o : Query.rows(x.c, "SELECT p.oid::int8, p.prokind::text, "
                + "(pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity, "
                + "CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END, pg_get_userbyid(p.proowner), "
                + Acl.items("p.proacl", 'f', "p.proowner") + ", p.proacl IS NULL, obj_description(p.oid, 'pg_proc'), "
                + "p.prosecdef FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                + "WHERE n.nspname = ANY(?::text[]) AND " + ReadContext.notInExtension("pg_proc", "p.oid")
                + " ORDER BY 3", rs -> {
                    Kind kind = switch (rs.getString(2)) {
                        case "p" -> Kind.PROCEDURE;
                        case "a" -> Kind.AGGREGATE;
                        default -> Kind.FUNCTION;
                    };
                    String def = rs.getString(4);
                    return new SchemaObject(kind, rs.getString(3), null, null, def, def == null ? List.of() : List.of(def),
                            rs.getString(5), Query.strings(rs.getArray(6)), rs.getBoolean(7), rs.getString(8),
                            Stage.BEFORE_TABLES, proc, rs.getLong(1), null, rs.getBoolean(9));
                }, x.schemas())) {
            if (o.kind() == Kind.AGGREGATE) {
                String def = aggregate(x, o.oid());
                o = new SchemaObject(o.kind(), o.identity(), null, null, def, List.of(def), o.owner(), o.acl(),
                        o.defaultAcl(), o.comment(), o.stage(), o.classId(), o.oid(), null, false);
            }
            out.add(o);
        }
        return out;
    }

    private static String aggregate(ReadContext x, long oid) throws SQLException {
        return Query.rows(x.c, "SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname), "
                + "pg_get_function_arguments(p.oid), a.aggkind::text, a.aggtransfn::regproc::text, "
                + "format_type(a.aggtranstype, NULL), a.aggtransspace, a.aggfinalfn::regproc::text, a.aggfinalextra, "
                + "a.agginitval, a.aggcombinefn::regproc::text, a.aggserialfn::regproc::text, "
                + "a.aggdeserialfn::regproc::text, a.aggmtransfn::regproc::text, a.aggminvtransfn::regproc::text, "
                + "format_type(a.aggmtranstype, NULL), a.aggmfinalfn::regproc::text, a.aggminitval, "
                + "CASE WHEN a.aggsortop <> 0 THEN a.aggsortop::regoper::text END, p.proparallel::text "
                + "FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace "
                + "WHERE a.aggfnoid = ?::int8::oid", Routines::aggregateText, oid).get(0);
    }

    private static String aggregateText(ResultSet rs) throws SQLException {
        List<String> o = new ArrayList<>();
        o.add("SFUNC = " + rs.getString(4));
        o.add("STYPE = " + rs.getString(5));
        if (rs.getInt(6) != 0) {
            o.add("SSPACE = " + rs.getInt(6));
        }
        fn(o, "FINALFUNC", rs.getString(7));
        if (rs.getBoolean(8)) {
            o.add("FINALFUNC_EXTRA");
        }
        if (rs.getString(9) != null) {
            o.add("INITCOND = " + Identifiers.literal(rs.getString(9)));
        }
        fn(o, "COMBINEFUNC", rs.getString(10));
        fn(o, "SERIALFUNC", rs.getString(11));
        fn(o, "DESERIALFUNC", rs.getString(12));
        if (fn(o, "MSFUNC", rs.getString(13))) {
            fn(o, "MINVFUNC", rs.getString(14));
            o.add("MSTYPE = " + rs.getString(15));
            fn(o, "MFINALFUNC", rs.getString(16));
            if (rs.getString(17) != null) {
                o.add("MINITCOND = " + Identifiers.literal(rs.getString(17)));
            }
        }
        if (rs.getString(18) != null) {
            o.add("SORTOP = OPERATOR(" + rs.getString(18) + ")");
        }
        switch (rs.getString(19)) {
            case "s" -> o.add("PARALLEL = SAFE");
            case "r" -> o.add("PARALLEL = RESTRICTED");
            default -> { }
        }
        if (rs.getString(3).equals("h")) {
            o.add("HYPOTHETICAL");
        }
        return "CREATE AGGREGATE " + rs.getString(1) + "(" + rs.getString(2) + ") (" + String.join(", ", o) + ")";
    }

    /** Adds {@code NAME = fn} unless the function is unset ("-"); true when added. */
    private static boolean fn(List<String> o, String name, String regproc) {
        if (regproc == null || regproc.equals("-")) {
            return false;
        }
        o.add(name + " = " + regproc);
        return true;
    }
}
