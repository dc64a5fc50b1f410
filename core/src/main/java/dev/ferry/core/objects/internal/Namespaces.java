package dev.ferry.core.objects.internal;

import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import dev.ferry.transforms.Identifiers;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Schemas, extensions and collations: what everything else is created in or with. */
final class Namespaces {
    private Namespaces() {}

    static List<SchemaObject> read(ReadContext x) throws SQLException {
        List<SchemaObject> out = new ArrayList<>();
        long ns = x.classId("pg_namespace");
        out.addAll(Query.rows(x.c, "SELECT n.oid::int8, quote_ident(n.nspname), pg_get_userbyid(n.nspowner), "
                + Acl.items("n.nspacl", 'n', "n.nspowner") + ", n.nspacl IS NULL, obj_description(n.oid, 'pg_namespace') "
                + "FROM pg_namespace n WHERE n.nspname = ANY(?::text[]) ORDER BY n.nspname", rs -> new SchemaObject(
                Kind.SCHEMA, rs.getString(2), null, null, null, List.of("CREATE SCHEMA IF NOT EXISTS " + rs.getString(2)),
                rs.getString(3), Query.strings(rs.getArray(4)), rs.getBoolean(5), rs.getString(6), Stage.BEFORE_TYPES,
                ns, rs.getLong(1), null, false), x.schemas()));
        // Extensions belong to the database, not to a schema: every one the source has (plpgsql comes with it).
        long ext = x.classId("pg_extension");
        out.addAll(Query.rows(x.c, "SELECT e.oid::int8, quote_ident(e.extname), quote_ident(n.nspname), "
                + "obj_description(e.oid, 'pg_extension') FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                + "WHERE e.extname <> 'plpgsql' ORDER BY e.extname", rs -> new SchemaObject(Kind.EXTENSION,
                rs.getString(2), null, null, "in schema " + rs.getString(3), List.of("CREATE SCHEMA IF NOT EXISTS "
                + rs.getString(3), "CREATE EXTENSION IF NOT EXISTS " + rs.getString(2) + " WITH SCHEMA " + rs.getString(3)),
                null, null, true, rs.getString(4), Stage.BEFORE_TYPES, ext, rs.getLong(1), null, false)));
        long coll = x.classId("pg_collation");
        out.addAll(Query.rows(x.c, "SELECT c.oid::int8, quote_ident(n.nspname) || '.' || quote_ident(c.collname), "
                + "pg_get_userbyid(c.collowner), obj_description(c.oid, 'pg_collation'), c.collprovider::text, "
                + "c.collcollate, c.collctype, coalesce(to_jsonb(c) ->> 'colllocale', to_jsonb(c) ->> 'colliculocale'), "
                + "c.collisdeterministic, to_jsonb(c) ->> 'collicurules' "
                + "FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace "
                + "WHERE n.nspname = ANY(?::text[]) AND " + ReadContext.notInExtension("pg_collation", "c.oid")
                + " ORDER BY 2", rs -> {
                    String options = collationOptions(rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                            rs.getBoolean(9), rs.getString(10));
                    return new SchemaObject(Kind.COLLATION, rs.getString(2), null, null, options, List.of(
                            "CREATE COLLATION IF NOT EXISTS " + rs.getString(2) + " (" + options + ")"), rs.getString(3),
                            null, true, rs.getString(4), Stage.BEFORE_TYPES, coll, rs.getLong(1), null, false);
                }, x.schemas()));
        return out;
    }

    private static String collationOptions(String provider, String collate, String ctype, String locale,
                                           boolean deterministic, String rules) {
        StringBuilder sb = new StringBuilder();
        switch (provider) {
            case "i" -> sb.append("provider = icu, locale = ").append(Identifiers.literal(locale));
            case "b" -> sb.append("provider = builtin, locale = ").append(Identifiers.literal(locale));
            default -> sb.append("provider = libc, lc_collate = ").append(Identifiers.literal(collate))
                    .append(", lc_ctype = ").append(Identifiers.literal(ctype));
        }
        if (!deterministic) {
            sb.append(", deterministic = false");
        }
        if (rules != null) {
            sb.append(", rules = ").append(Identifiers.literal(rules));
        }
        return sb.toString();
    }
}
