package dev.ferry.core.catalog;

import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the user-defined types behind a set of column types (through arrays, domains, composites and ranges)
 * and returns them dependencies first, so creating them in order on the target always works. Built-in types and
 * types an extension owns are left out: the target has them, or gets them from {@code CREATE EXTENSION}.
 */
final class TypeReader {
    private final Connection c;
    private final boolean multiranges;
    /** Finished visits: the qualified name to create, or null for types that need nothing. */
    private final Map<Long, String> resolved = new java.util.HashMap<>();

    TypeReader(Connection c) throws SQLException {
        this.c = c;
        this.multiranges = c.getMetaData().getDatabaseMajorVersion() >= 14;
    }

    List<TypeInfo> read(Set<Long> columnTypes) throws SQLException {
        Map<Long, TypeInfo> done = new LinkedHashMap<>();
        Set<Long> visiting = new LinkedHashSet<>();
        for (long oid : columnTypes) {
            visit(oid, done, visiting);
        }
        return new ArrayList<>(done.values());
    }

    /**
     * Records the user-defined type behind {@code oid} (after the types it uses) and returns its qualified name, or
     * null when nothing needs creating for it.
     */
    private String visit(long oid, Map<Long, TypeInfo> done, Set<Long> visiting) throws SQLException {
        if (resolved.containsKey(oid)) {
            return resolved.get(oid);
        }
        if (!visiting.add(oid)) {
            return null; // a cycle, which PostgreSQL forbids anyway
        }
        String name = resolve(oid, done, visiting);
        resolved.put(oid, name);
        return name;
    }

    private String resolve(long oid, Map<Long, TypeInfo> done, Set<Long> visiting) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT t.typtype::text, t.typcategory::text, t.typelem::int8, t.typbasetype::int8, t.typrelid::int8, "
                        + " n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull, "
                        + " pg_get_expr(t.typdefaultbin, 0), "
                        + " (SELECT r.rngsubtype::int8 FROM pg_range r WHERE r.rngtypid = t.oid), "
                        + (multiranges ? "(SELECT r.rngtypid::int8 FROM pg_range r WHERE r.rngmultitypid = t.oid), "
                                : "NULL::int8, ")
                        + " t.oid >= " + CatalogReader.FIRST_USER_OID + " AND NOT EXISTS (SELECT 1 FROM pg_depend d "
                        + "   WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'), "
                        + " (SELECT relkind::text FROM pg_class WHERE oid = t.typrelid), "
                        + " CASE WHEN t.typcollation <> 0 AND t.typcollation IS DISTINCT FROM "
                        + "   (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype) "
                        + "   THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co "
                        + "         JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END "
                        + "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = ?")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (rs.getString(2).equals("A") && rs.getLong(3) != 0) {
                    return visit(rs.getLong(3), done, visiting);
                }
                if (rs.getLong(12) != 0) { // a multirange: its range is what gets created
                    return visit(rs.getLong(12), done, visiting);
                }
                if (!rs.getBoolean(13)) {
                    return null; // built in, or an extension's
                }
                String schema = rs.getString(6);
                String name = rs.getString(7);
                TypeInfo info = switch (rs.getString(1)) {
                    case "e" -> new TypeInfo(schema, name, TypeInfo.Kind.ENUM, labels(oid), null, null, List.of());
                    case "d" -> domain(oid, schema, name, rs, done, visiting);
                    // A table's row type comes with its table; only stand-alone composites are created.
                    case "c" -> "c".equals(rs.getString(14)) ? composite(schema, name, rs.getLong(5), done, visiting)
                            : null;
                    case "r" -> {
                        long sub = rs.getLong(11);
                        yield new TypeInfo(schema, name, TypeInfo.Kind.RANGE, List.of(), formatType(sub), null,
                                deps(visit(sub, done, visiting)));
                    }
                    default -> null;
                };
                if (info == null) {
                    return null;
                }
                done.put(oid, info);
                return info.qualifiedName();
            }
        }
    }

    private TypeInfo domain(long oid, String schema, String name, ResultSet rs, Map<Long, TypeInfo> done,
                            Set<Long> visiting) throws SQLException {
        String base = rs.getString(8);
        boolean notNull = rs.getBoolean(9);
        String defaultExpr = rs.getString(10);
        String collation = rs.getString(15);
        String dependency = visit(rs.getLong(4), done, visiting);
        StringBuilder def = new StringBuilder();
        if (collation != null) {
            def.append(" COLLATE ").append(collation);
        }
        if (defaultExpr != null) {
            def.append(" DEFAULT ").append(defaultExpr);
        }
        if (notNull) {
            def.append(" NOT NULL");
        }
        for (String check : domainChecks(oid)) {
            def.append(' ').append(check);
        }
        return new TypeInfo(schema, name, TypeInfo.Kind.DOMAIN, List.of(), base, def.toString().strip(),
                deps(dependency));
    }

    private static List<String> deps(String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n != null && !out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    private List<String> labels(long oid) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT enumlabel FROM pg_enum WHERE enumtypid = ? ORDER BY enumsortorder")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private List<String> domainChecks(long oid) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contypid = ? AND contype = 'c' "
                        + "ORDER BY conname")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add("CONSTRAINT " + Identifiers.quote(rs.getString(1)) + ' ' + rs.getString(2));
                }
            }
        }
        return out;
    }

    private TypeInfo composite(String schema, String name, long relid, Map<Long, TypeInfo> done, Set<Long> visiting)
            throws SQLException {
        List<String> parts = new ArrayList<>();
        List<Long> types = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT attname, format_type(atttypid, atttypmod), atttypid::int8, "
                        + " CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation "
                        + "   THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END "
                        + "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                        + "LEFT JOIN pg_collation co ON co.oid = a.attcollation "
                        + "LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace "
                        + "WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            ps.setLong(1, relid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parts.add(Identifiers.quote(rs.getString(1)) + ' ' + rs.getString(2)
                            + (rs.getString(4) == null ? "" : " COLLATE " + rs.getString(4)));
                    types.add(rs.getLong(3));
                }
            }
        }
        List<String> dependsOn = new ArrayList<>();
        for (long t : types) {
            String dep = visit(t, done, visiting);
            if (dep != null && !dependsOn.contains(dep)) {
                dependsOn.add(dep);
            }
        }
        return new TypeInfo(schema, name, TypeInfo.Kind.COMPOSITE, List.of(), null, "(" + String.join(", ", parts) + ")",
                dependsOn);
    }

    private String formatType(long oid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT format_type(?::int8::oid, NULL)")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
