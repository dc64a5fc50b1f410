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
 * Triggers, rules and row-level security policies of the migrated tables (and triggers and rules of the views):
 * created after the copy, so they never act on copied rows. Triggers come from {@code pg_get_triggerdef}, rules
 * from {@code pg_get_ruledef}; policies are written from {@code pg_policy}. Internal triggers (foreign keys) and
 * the clones a partition inherits from its parent are left to the tables and the parent.
 */
final class TableRules {
    private TableRules() {}

    /** Relations whose triggers and rules are ours: the scope's tables, and the views of the migrated schemas. */
    private static final String RELATIONS = "(%1$s = ANY(?::int8[]::oid[]) OR %1$s IN (SELECT c.oid FROM pg_class c "
            + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(?::text[])))";

    static List<SchemaObject> read(ReadContext x) throws SQLException {
        List<SchemaObject> out = new ArrayList<>();
        long trg = x.classId("pg_trigger");
        String clones = x.major >= 13 ? " AND t.tgparentid = 0" : "";
        out.addAll(Query.rows(x.c, "SELECT t.oid::int8, t.tgname, t.tgrelid::int8, pg_get_triggerdef(t.oid), "
                + "t.tgenabled::text, obj_description(t.oid, 'pg_trigger'), "
                + "quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_trigger t "
                + "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE NOT t.tgisinternal" + clones + " AND " + RELATIONS.formatted("t.tgrelid")
                // Ferry's own (the lock fence's), whose function lives in the state schema.
                + " AND NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace "
                + "  WHERE p.oid = t.tgfoid AND pn.nspname = ?) ORDER BY 7, 2", rs -> {
                    String table = parent(x, rs.getLong(3), rs.getString(7));
                    String state = rs.getString(5);
                    List<String> create = new ArrayList<>(List.of(rs.getString(4)));
                    if (state.equals("D")) {
                        create.add("ALTER TABLE " + table + " DISABLE TRIGGER " + Identifiers.quote(rs.getString(2)));
                    }
                    return new SchemaObject(Kind.TRIGGER, Identifiers.quote(rs.getString(2)) + " ON " + table, table,
                            rs.getString(2), rs.getString(4), create, null, null, true, rs.getString(6), Stage.AFTER_COPY,
                            trg, rs.getLong(1), state, false);
                }, x.tableOids(), x.schemas(), x.scope.stateSchema()));
        long rule = x.classId("pg_rewrite");
        out.addAll(Query.rows(x.c, "SELECT r.oid::int8, r.rulename, r.ev_class::int8, pg_get_ruledef(r.oid), "
                + "r.ev_enabled::text, obj_description(r.oid, 'pg_rewrite'), "
                + "quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_rewrite r "
                + "JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE r.rulename <> '_RETURN' AND " + RELATIONS.formatted("r.ev_class") + " ORDER BY 7, 2", rs -> {
                    String table = parent(x, rs.getLong(3), rs.getString(7));
                    String def = Relations.stripSemicolon(rs.getString(4)).strip();
                    List<String> create = new ArrayList<>(List.of(def));
                    if (rs.getString(5).equals("D")) {
                        create.add("ALTER TABLE " + table + " DISABLE RULE " + Identifiers.quote(rs.getString(2)));
                    }
                    return new SchemaObject(Kind.RULE, Identifiers.quote(rs.getString(2)) + " ON " + table, table,
                            rs.getString(2), def, create, null, null, true, rs.getString(6), Stage.AFTER_COPY, rule,
                            rs.getLong(1), rs.getString(5), false);
                }, x.tableOids(), x.schemas()));
        long pol = x.classId("pg_policy");
        out.addAll(Query.rows(x.c, "SELECT p.oid::int8, p.polname, p.polrelid::int8, p.polcmd::text, p.polpermissive, "
                + "ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r) END FROM unnest(p.polroles) r "
                + "  ORDER BY 1), pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), "
                + "obj_description(p.oid, 'pg_policy') FROM pg_policy p WHERE p.polrelid = ANY(?::int8[]::oid[]) "
                + "ORDER BY 3, 2", rs -> {
                    String table = x.tables.get(rs.getLong(3)).quoted();
                    List<String> roles = Query.strings(rs.getArray(6));
                    String command = switch (rs.getString(4)) {
                        case "r" -> "SELECT";
                        case "a" -> "INSERT";
                        case "w" -> "UPDATE";
                        case "d" -> "DELETE";
                        default -> "ALL";
                    };
                    String def = "CREATE POLICY " + Identifiers.quote(rs.getString(2)) + " ON " + table + " AS "
                            + (rs.getBoolean(5) ? "PERMISSIVE" : "RESTRICTIVE") + " FOR " + command + " TO "
                            + String.join(", ", roles.stream().map(r -> r.equals("PUBLIC") ? r : Identifiers.quote(r)).toList())
                            + (rs.getString(7) == null ? "" : " USING (" + rs.getString(7) + ")")
                            + (rs.getString(8) == null ? "" : " WITH CHECK (" + rs.getString(8) + ")");
                    // A policy has no privileges; the roles it applies to are kept where the roles of an object are.
                    List<String> applies = roles.stream().map(r -> r + ":POLICY").toList();
                    return new SchemaObject(Kind.POLICY, Identifiers.quote(rs.getString(2)) + " ON " + table, table,
                            rs.getString(2), def, List.of(def), null, applies, false, rs.getString(9), Stage.AFTER_COPY,
                            pol, rs.getLong(1), null, false);
                }, x.tableOids()));
        return out;
    }

    /** The target name of a scope table, or a view's own name. */
    private static String parent(ReadContext x, long oid, String qualified) {
        TableId t = x.tables.get(oid);
        return t == null ? qualified : t.quoted();
    }
}
