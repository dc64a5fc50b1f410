package dev.ferry.core.catalog;

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
 * and returns them dependencies first, so creating them in order on the target always works.
 */
final class TypeReader {
    private final Connection c;

    TypeReader(Connection c) {
        this.c = c;
    }

    List<TypeInfo> read(Set<Long> columnTypes) throws SQLException {
        Map<Long, TypeInfo> done = new LinkedHashMap<>();
        Set<Long> visiting = new LinkedHashSet<>();
        for (long oid : columnTypes) {
            visit(oid, done, visiting);
        }
        return new ArrayList<>(done.values());
    }

    private void visit(long oid, Map<Long, TypeInfo> done, Set<Long> visiting) throws SQLException {
        if (done.containsKey(oid) || !visiting.add(oid)) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT t.typtype::text, t.typcategory::text, t.typelem::int8, t.typbasetype::int8, t.typrelid::int8, "
                        + " n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault, "
                        + " (SELECT r.rngsubtype::int8 FROM pg_range r WHERE r.rngtypid = t.oid), "
                        + " (SELECT r.rngtypid::int8 FROM pg_range r WHERE r.rngmultitypid = t.oid) "
                        + "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = ?")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                String typtype = rs.getString(1);
                boolean user = oid >= CatalogReader.FIRST_USER_OID;
                if (rs.getString(2).equals("A")) {
                    visit(rs.getLong(3), done, visiting);
                    return;
                }
                if (rs.getLong(12) != 0) { // a multirange: its range is what gets created
                    visit(rs.getLong(12), done, visiting);
                    return;
                }
                String schema = rs.getString(6);
                String name = rs.getString(7);
                switch (typtype) {
                    case "e" -> {
                        if (user) {
                            done.put(oid, new TypeInfo(schema, name, TypeInfo.Kind.ENUM, labels(oid), null, null, List.of()));
                        }
                    }
                    case "d" -> {
                        visit(rs.getLong(4), done, visiting);
                        StringBuilder def = new StringBuilder();
                        if (rs.getString(10) != null) {
                            def.append(" DEFAULT ").append(rs.getString(10));
                        }
                        if (rs.getBoolean(9)) {
                            def.append(" NOT NULL");
                        }
                        for (String check : domainChecks(oid)) {
                            def.append(' ').append(check);
                        }
                        done.put(oid, new TypeInfo(schema, name, TypeInfo.Kind.DOMAIN, List.of(), rs.getString(8),
                                def.toString().strip(), List.of()));
                    }
                    case "c" -> {
                        if (user) {
                            long relid = rs.getLong(5);
                            done.put(oid, new TypeInfo(schema, name, TypeInfo.Kind.COMPOSITE, List.of(), null,
                                    attributes(relid, done, visiting), List.of()));
                        }
                    }
                    case "r" -> {
                        if (user) {
                            long sub = rs.getLong(11);
                            visit(sub, done, visiting);
                            done.put(oid, new TypeInfo(schema, name, TypeInfo.Kind.RANGE, List.of(), formatType(sub),
                                    null, List.of()));
                        }
                    }
                    default -> { }
                }
            }
        }
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
                "SELECT 'CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid) "
                        + "FROM pg_constraint WHERE contypid = ? AND contype = 'c' ORDER BY conname")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private String attributes(long relid, Map<Long, TypeInfo> done, Set<Long> visiting) throws SQLException {
        List<String> parts = new ArrayList<>();
        List<Long> types = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), atttypid::int8 FROM pg_attribute "
                        + "WHERE attrelid = ? AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            ps.setLong(1, relid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parts.add(rs.getString(1));
                    types.add(rs.getLong(2));
                }
            }
        }
        for (long t : types) {
            visit(t, done, visiting);
        }
        return "(" + String.join(", ", parts) + ")";
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
