package dev.ferry.core.objects.internal;

import dev.ferry.core.Queries;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** The catalog queries of the object readers: each row mapped once, parameters bound in order. */
final class Query {
    private Query() {}

    @FunctionalInterface
    interface Mapper<T> extends Queries.RowReader<T> {}

    static <T> List<T> rows(Connection c, String sql, Mapper<T> mapper, Object... params) throws SQLException {
        return Queries.rows(c, sql, mapper, params);
    }

    static List<String> strings(java.sql.Array a) throws SQLException {
        return a == null ? null : List.of((String[]) a.getArray());
    }
}
