package dev.ferry.core.check;

import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.objects.BodyMentions;
import dev.ferry.core.objects.ObjectMigration;
import dev.ferry.core.objects.ObjectOptions;
import dev.ferry.core.objects.ObjectScope;
import dev.ferry.core.objects.ObjectSet;
import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TransformChain;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What the objects around the tables need of the target: the roles they name, the extensions, the right to bypass
 * row-level security; and what would behave differently there: triggers that fire on replicated rows, functions
 * that PostgreSQL 17 runs under a fixed search_path.
 */
final class ObjectChecks {
    private ObjectChecks() {}

    static void run(Connection src, Connection tgt, Catalog catalog, TransformChain chain, String stateSchema,
                    ObjectOptions options, List<Problem> out) throws SQLException {
        ObjectScope scope = ObjectScope.of(catalog, chain, stateSchema, null);
        ObjectSet objects = options.choices().apply(ObjectMigration.read(src, scope, "source"));
        List<String> missing = ObjectMigration.missingRoles(src, objects, tgt, options);
        if (!missing.isEmpty()) {
            out.add(options.createRoles()
                    ? Problem.info("roles", "Ferry will create role" + (missing.size() == 1 ? " " : "s ")
                            + String.join(", ", missing) + " on the target (--create-roles), without passwords")
                    : Problem.problem("roles", ObjectMigration.missingRolesSentence(missing)));
        }
        extensions(objects, tgt, out);
        if (options.noOwner()) {
            for (SchemaObject o : objects.objects()) {
                if (o.securityDefiner()) {
                    out.add(Problem.problem("security_definer", o.title() + " is SECURITY DEFINER: under --no-owner it "
                            + "would run with the rights of Ferry's role on the target; drop --no-owner, or make it "
                            + "SECURITY INVOKER on the source first"));
                }
            }
        }
        for (SchemaObject o : objects.objects()) {
            if ((o.kind() == Kind.TRIGGER || o.kind() == Kind.RULE) && ("A".equals(o.state()) || "R".equals(o.state()))) {
                out.add(Problem.warning("trigger_fires_on_apply", o.title() + " is ENABLE " + ("A".equals(o.state())
                        ? "ALWAYS" : "REPLICA") + " on the source, so it would fire on the rows the stream applies; "
                        + "Ferry creates it as ENABLE and gives it its state at the switch, after the last applied change"));
            }
        }
        rowSecurity(objects, tgt, out);
        if (Sql.row(tgt, "SELECT current_setting('server_version_num')::int >= 170000", rs -> rs.getBoolean(1))) {
            searchPath(src, scope, out);
        }
        for (BodyMentions.Mention m : BodyMentions.find(src, catalog, chain, scope, options.choices())) {
            out.add(Problem.warning("object_uses_reshaped", m.sentence()));
        }
        long largeObjects = Sql.row(src, "SELECT count(*) FROM pg_largeobject_metadata", rs -> rs.getLong(1));
        if (largeObjects > 0) {
            out.add(Problem.warning("large_objects", "the source database holds " + largeObjects + " large object"
                    + (largeObjects == 1 ? "" : "s") + " (pg_largeobject); the snapshot copies them with their OIDs, but "
                    + "logical replication does not carry later lo_* writes and the lock fence does not hold them: pass "
                    + "--large-objects to ferry switch to copy the changed ones again before the fence (and, with --fence "
                    + "pgbouncer, once more while writes are held); otherwise changes made after the snapshot are left behind"));
        }
        objects.skipped().forEach((what, why) -> out.add(Problem.warning("object_not_carried", what
                + " is not carried: " + why)));
        if (!objects.leftOut().isEmpty()) {
            out.add(Problem.info("objects_left_out", "left out: " + String.join(", ", objects.leftOut())
                    + "; Ferry does not carry these, create them on the target if it needs them"));
        }
    }

    /** Every extension of the source database, where the target server cannot install it. */
    private static void extensions(ObjectSet objects, Connection tgt, List<Problem> out) throws SQLException {
        for (SchemaObject e : objects.of(Kind.EXTENSION)) {
            boolean available = Sql.row(tgt, "SELECT EXISTS (SELECT 1 FROM pg_available_extensions "
                    + "WHERE quote_ident(name) = ?)", rs -> rs.getBoolean(1), e.identity());
            boolean reported = out.stream().anyMatch(p -> p.check().equals("extension")
                    && p.message().contains("extension " + e.identity().replace("\"", "")));
            if (!available && !reported) {
                out.add(Problem.problem("extension_missing", "extension " + e.identity() + " is installed in the source "
                        + "database but the target server does not have it; install its package on the target server "
                        + "(Ferry then creates it), or drop it on the source if nothing uses it"));
            }
        }
    }

    /** Policies filter the stream's writes unless the apply role bypasses them. */
    private static void rowSecurity(ObjectSet objects, Connection tgt, List<Problem> out) throws SQLException {
        List<String> tables = objects.of(Kind.TABLE).stream().filter(t -> t.create().stream()
                .anyMatch(s -> s.endsWith("ENABLE ROW LEVEL SECURITY"))).map(SchemaObject::identity).toList();
        if (tables.isEmpty()) {
            return;
        }
        record Who(String name, boolean bypasses) {}
        Who who = Sql.row(tgt, "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user",
                rs -> new Who(rs.getString(1), rs.getBoolean(2)));
        if (!who.bypasses()) {
            out.add(Problem.problem("bypassrls", "table" + (tables.size() == 1 ? " " : "s ") + Sql.list(tables, 3)
                    + (tables.size() == 1 ? " has" : " have") + " row-level security, which would filter or reject the "
                    + "stream's writes once the tables belong to their owners; run ALTER ROLE " + Identifiers.quote(who.name())
                    + " BYPASSRLS on the target (as a superuser, or through your provider's console)"));
        }
    }

    /**
     * From PostgreSQL 17 a materialized view refresh, an index build and a constraint check run with search_path =
     * pg_catalog, pg_temp: a function they call that names objects without their schema fails there.
     */
    private static void searchPath(Connection src, ObjectScope scope, List<Problem> out) throws SQLException {
        List<String[]> uses = Sql.rows(src, "SELECT DISTINCT (pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity, "
                + "(pg_identify_object(CASE WHEN d.classid = 'pg_rewrite'::regclass THEN 'pg_class'::regclass ELSE d.classid END, "
                + "  CASE WHEN d.classid = 'pg_rewrite'::regclass THEN r.ev_class ELSE d.objid END, 0)).type || ' ' || "
                + "(pg_identify_object(CASE WHEN d.classid = 'pg_rewrite'::regclass THEN 'pg_class'::regclass ELSE d.classid END, "
                + "  CASE WHEN d.classid = 'pg_rewrite'::regclass THEN r.ev_class ELSE d.objid END, 0)).identity "
                + "FROM pg_depend d JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid "
                + "JOIN pg_namespace pn ON pn.oid = p.pronamespace "
                + "LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid "
                + "LEFT JOIN pg_class rc ON rc.oid = r.ev_class "
                + "LEFT JOIN pg_index i ON d.classid = 'pg_class'::regclass AND i.indexrelid = d.objid "
                + "LEFT JOIN pg_constraint k ON d.classid = 'pg_constraint'::regclass AND k.oid = d.objid "
                + "WHERE pn.nspname = ANY(?::text[]) AND p.oid >= 16384 AND (rc.relkind = 'm' OR i.indexrelid IS NOT NULL "
                + "  OR k.oid IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%') "
                + "AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid "
                + "  AND e.deptype = 'e') ORDER BY 1, 2", rs -> new String[] {rs.getString(1), rs.getString(2)},
                Sql.textArray(src, scope.schemas()));
        for (String[] u : uses) {
            out.add(Problem.warning("search_path", "function " + u[0] + " is used by " + u[1] + " and has no search_path "
                    + "of its own; PostgreSQL 17 runs it there with search_path = pg_catalog, pg_temp, so any name in its "
                    + "body without a schema fails on the target: run ALTER FUNCTION " + u[0] + " SET search_path = ... "
                    + "on the source"));
        }
    }
}
