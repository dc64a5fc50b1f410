package dev.ferry.core.objects.internal;

import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import dev.ferry.transforms.Identifiers;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ALTER DEFAULT PRIVILEGES}: the privileges objects created later get. Applied last, so the objects Ferry
 * creates do not receive them twice. A schema's entry adds to the defaults; a database-wide entry replaces them,
 * so it is written as a revoke of everything, then its grants (as pg_dump does).
 */
final class DefaultPrivileges {
    private DefaultPrivileges() {}

    static List<SchemaObject> read(ReadContext x) throws SQLException {
        long cls = x.classId("pg_default_acl");
        return Query.rows(x.c, "SELECT d.oid::int8, pg_get_userbyid(d.defaclrole), "
                + "CASE WHEN d.defaclnamespace <> 0 THEN quote_ident(n.nspname) END, d.defaclobjtype::text, "
                + Acl.items("d.defaclacl")
                + " FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace "
                + "WHERE d.defaclnamespace = 0 OR n.nspname = ANY(?::text[]) ORDER BY 2, 3 NULLS FIRST, 4", rs -> {
                    String role = rs.getString(2);
                    String schema = rs.getString(3);
                    String objects = switch (rs.getString(4)) {
                        case "S" -> "SEQUENCES";
                        case "f" -> "FUNCTIONS";
                        case "T" -> "TYPES";
                        case "n" -> "SCHEMAS";
                        default -> "TABLES";
                    };
                    List<String> acl = Query.strings(rs.getArray(5));
                    String prefix = "ALTER DEFAULT PRIVILEGES FOR ROLE " + Identifiers.quote(role)
                            + (schema == null ? "" : " IN SCHEMA " + schema) + " ";
                    List<String> create = new ArrayList<>();
                    if (schema == null) {
                        create.add(prefix + "REVOKE ALL ON " + objects + " FROM PUBLIC");
                        create.add(prefix + "REVOKE ALL ON " + objects + " FROM " + Identifiers.quote(role));
                    }
                    Acl.grantItems(acl, " ON " + objects, null, null).forEach(g -> create.add(prefix + g));
                    String identity = "for role " + role + (schema == null ? "" : " in schema " + schema) + " on "
                            + objects.toLowerCase(java.util.Locale.ROOT);
                    return new SchemaObject(Kind.DEFAULT_PRIVILEGES, identity, null, null, String.join(", ", acl), create,
                            role, acl, false, null, Stage.AFTER_COPY, cls, rs.getLong(1), null, false);
                }, x.schemas());
    }
}
