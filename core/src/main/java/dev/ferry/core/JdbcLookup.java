package dev.ferry.core;

import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@link Lookup} over a source connection. Whatever transaction the connection is in decides what the lookup
 * sees: under the exported snapshot during the copy, the current state while streaming. Values come back in
 * text form and keys are compared as text, so a lookup works whatever the key's type.
 * Not thread-safe: one per connection.
 */
public final class JdbcLookup implements Lookup {
    private final Connection connection;
    private final Map<TableId, String> selects = new java.util.HashMap<>();

    public JdbcLookup(Connection connection) {
        this.connection = connection;
    }

    /** {@code SELECT a::text AS a, ...}: text form from the server, never the driver's rendering of binary values. */
    private String select(TableId table) throws SQLException {
        String cached = selects.get(table);
        if (cached != null) {
            return cached;
        }
        StringBuilder sb = new StringBuilder();
        try (PreparedStatement ps = connection.prepareStatement("SELECT attname FROM pg_attribute WHERE attrelid = "
                + "to_regclass(?) AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String q = Identifiers.quote(rs.getString(1));
                    sb.append(sb.length() == 0 ? "SELECT " : ", ").append(q).append("::text AS ").append(q);
                }
            }
        }
        if (sb.length() == 0) {
            throw new FerryException(ExitCode.USAGE, "table " + table + " used for a lookup does not exist on the source");
        }
        String sql = sb.append(" FROM ").append(table.quoted()).toString();
        selects.put(table, sql);
        return sql;
    }

    @Override
    public Optional<Map<String, String>> find(TableId table, Map<String, String> key) {
        String where = key.keySet().stream().map(k -> Identifiers.quote(k) + "::text = ?")
                .collect(Collectors.joining(" AND "));
        try (PreparedStatement ps = connection.prepareStatement(select(table) + " WHERE " + where + " LIMIT 1")) {
            int i = 1;
            for (String v : key.values()) {
                ps.setString(i++, v);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                ResultSetMetaData md = rs.getMetaData();
                Map<String, String> row = new LinkedHashMap<>();
                for (int j = 1; j <= md.getColumnCount(); j++) {
                    row.put(md.getColumnName(j), rs.getString(j));
                }
                return Optional.of(row);
            }
        } catch (SQLException e) {
            throw ServerErrors.during("looking up a row of " + table, "source", e);
        }
    }
}
