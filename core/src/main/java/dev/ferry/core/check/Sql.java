package dev.ferry.core.check;

import dev.ferry.core.Queries;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** Small query helpers for the checks, which only read. */
final class Sql {
    private Sql() {}

    /** Reads one row into a value; called once per row. */
    @FunctionalInterface
    interface RowReader<T> extends Queries.RowReader<T> {}

    /** Every row of a query; parameters are bound in order (arrays through {@link #textArray}). */
    static <T> List<T> rows(Connection c, String sql, RowReader<T> reader, Object... params) throws SQLException {
        return Queries.rows(c, sql, reader, params);
    }

    /** The first row, which the query must return. */
    static <T> T row(Connection c, String sql, RowReader<T> reader, Object... params) throws SQLException {
        List<T> all = rows(c, sql, reader, params);
        if (all.isEmpty()) {
            throw new SQLException("no row from: " + sql);
        }
        return all.get(0);
    }

    static java.sql.Array textArray(Connection c, List<String> values) throws SQLException {
        return c.createArrayOf("text", values.toArray());
    }

    /** "a, b, c" or "a, b, c and 4 more": object lists inside one sentence stay short. */
    static String list(List<String> names, int max) {
        if (names.size() <= max) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, max)) + " and " + (names.size() - max) + " more";
    }

    /** Bytes in the units people read: 512 kB, 48 MB, 3.2 GB. */
    static String bytes(long n) {
        if (n < 1024 * 1024) {
            return (n / 1024) + " kB";
        }
        if (n < 1024L * 1024 * 1024) {
            return (n / (1024 * 1024)) + " MB";
        }
        return String.format(java.util.Locale.ROOT, "%.1f GB", n / (1024.0 * 1024 * 1024));
    }
}
