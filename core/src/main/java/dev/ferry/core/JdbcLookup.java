package dev.ferry.core;

import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link Lookup} over a source connection. Whatever transaction the connection is in decides what the lookup
 * sees: under the exported snapshot during the copy, the current state while streaming. Values come back in
 * the server's text form; key values are cast to the key columns' own types, so the table's index is used.
 * Not thread-safe: one per connection.
 */
public final class JdbcLookup implements Lookup {
    private final Connection connection;
    private final Map<TableId, Shape> shapes = new HashMap<>();

    public JdbcLookup(Connection connection) {
        this.connection = connection;
    }

    /** A table's text-form select list and column types, read once. */
    private record Shape(String select, Map<String, String> types) {}

    private Shape shape(TableId table) throws SQLException {
        Shape cached = shapes.get(table);
        if (cached != null) {
            return cached;
        }
        StringBuilder sb = new StringBuilder();
        Map<String, String> types = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT attname, format_type(atttypid, atttypmod) "
                + "FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String q = Identifiers.quote(rs.getString(1));
                    sb.append(sb.length() == 0 ? "SELECT " : ", ").append("t.").append(q).append("::text AS ").append(q);
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        if (sb.length() == 0) {
            throw new FerryException(ExitCode.USAGE, "table " + table + " used for a lookup does not exist on the source");
        }
        Shape s = new Shape(sb.append(" FROM ").append(table.quoted()).append(" t").toString(), types);
        shapes.put(table, s);
        return s;
    }

    private String type(Shape shape, TableId table, String column) {
        String t = shape.types().get(column);
        if (t == null) {
            throw new FerryException(ExitCode.USAGE, "lookup column " + column + " does not exist in " + table);
        }
        return t;
    }

    @Override
    public Optional<Map<String, String>> find(TableId table, Map<String, String> key) {
        try {
            Shape shape = shape(table);
            StringBuilder where = new StringBuilder();
            for (String k : key.keySet()) {
                where.append(where.length() == 0 ? " WHERE " : " AND ").append("t.").append(Identifiers.quote(k))
                        .append(" = ?::").append(type(shape, table, k));
            }
            try (PreparedStatement ps = connection.prepareStatement(shape.select() + where + " LIMIT 1")) {
                int i = 1;
                for (String v : key.values()) {
                    ps.setString(i++, v);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(row(rs)) : Optional.empty();
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("looking up a row of " + table, "source", e);
        }
    }

    /** One query for a whole batch of keys: joins the table with the keys unnested from one array per column. */
    @Override
    public Map<Map<String, String>, Map<String, String>> findAll(TableId table, List<Map<String, String>> keys) {
        Map<Map<String, String>, Map<String, String>> found = new HashMap<>();
        if (keys.isEmpty()) {
            return found;
        }
        List<String> columns = new ArrayList<>(keys.get(0).keySet());
        try {
            Shape shape = shape(table);
            StringBuilder sql = new StringBuilder(shape.select()).append(" JOIN unnest(");
            StringBuilder on = new StringBuilder();
            StringBuilder alias = new StringBuilder();
            for (int i = 0; i < columns.size(); i++) {
                String q = Identifiers.quote(columns.get(i));
                sql.append(i == 0 ? "" : ", ").append("?::text[]");
                alias.append(i == 0 ? "" : ", ").append("k").append(i);
                on.append(i == 0 ? "" : " AND ").append("t.").append(q).append(" = k.k").append(i).append("::")
                        .append(type(shape, table, columns.get(i)));
            }
            sql.append(") AS k(").append(alias).append(") ON ").append(on);
            try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
                for (int i = 0; i < columns.size(); i++) {
                    String c = columns.get(i);
                    ps.setArray(i + 1, connection.createArrayOf("text", keys.stream().map(k -> k.get(c)).toArray()));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Map<String, String> row = row(rs);
                        Map<String, String> key = new LinkedHashMap<>();
                        for (String c : columns) {
                            key.put(c, row.get(c));
                        }
                        found.putIfAbsent(key, row);
                    }
                }
            }
            return found;
        } catch (SQLException e) {
            throw ServerErrors.during("looking up rows of " + table, "source", e);
        }
    }

    private static Map<String, String> row(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        Map<String, String> row = new LinkedHashMap<>();
        for (int j = 1; j <= md.getColumnCount(); j++) {
            row.put(md.getColumnName(j), rs.getString(j));
        }
        return row;
    }
}
