package dev.ferry.transforms;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test schemas and rows, written compactly: {@code Tables.schema("public.orders", "id:integer", "qty:integer")}. */
public final class Tables {
    private Tables() {}

    /** The first column is the primary key; each column is "name:type". */
    public static TableSchema schema(String table, String... columns) {
        List<Column> cols = new ArrayList<>();
        for (String c : columns) {
            int space = c.indexOf(':');
            cols.add(Column.of(c.substring(0, space), c.substring(space + 1)));
        }
        return new TableSchema(TableId.parse(table), cols, List.of(cols.get(0).name()));
    }

    /** A partial row from alternating names and values: {@code row(s, "id", "1", "qty", null)}. */
    public static Row row(TableSchema schema, String... namesAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return Row.partial(schema, m);
    }

    /** The single row a transform or chain produced. */
    public static Row only(List<Row> rows) {
        if (rows.size() != 1) {
            throw new AssertionError("expected one row, got " + rows);
        }
        return rows.get(0);
    }

    /** Lowercase hex SHA-256 of the UTF-8 text: what the hash transform must give, computed independently. */
    public static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
