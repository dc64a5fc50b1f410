package dev.ferry.snapshot.internal;

import dev.ferry.core.state.DeferredIndex;
import dev.ferry.transforms.Identifiers;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Builds one deferred unique index on the target while the stream writes to its table: the index
 * {@code CONCURRENTLY} (which takes no lock that blocks writes), then, for a unique constraint, the constraint
 * {@code USING INDEX} (a catalog change under a brief lock). An exclusion constraint has no such form: adding it
 * holds the table's writes while its index is built. Every step is skipped when done already, and an index left
 * invalid by an interrupted build is dropped first, so an interrupted build is simply run again.
 */
public final class DeferredIndexBuilder {
    private DeferredIndexBuilder() {}

    /** Runs on {@code st}, whose connection is in autocommit (a concurrent build cannot run in a transaction). */
    public static void build(Statement st, DeferredIndex d) throws SQLException {
        st.execute("SET maintenance_work_mem = '256MB'");
        if (d.indexSql() != null) {
            if (invalidIndex(st, d)) {
                st.execute("DROP INDEX CONCURRENTLY IF EXISTS " + Identifiers.quote(d.table().schema()) + '.'
                        + Identifiers.quote(d.name()));
            }
            st.execute(concurrently(d.indexSql()));
        }
        if (d.constraintSql() != null && !hasConstraint(st, d)) {
            try {
                st.execute(d.constraintSql());
            } catch (SQLException e) {
                if (!IndexBuilder.ALREADY_THERE.contains(e.getSQLState())) {
                    throw e;
                }
            }
        }
    }

    static String concurrently(String createIndex) {
        return createIndex.replaceFirst("^CREATE UNIQUE INDEX IF NOT EXISTS ", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ");
    }

    private static boolean invalidIndex(Statement st, DeferredIndex d) throws SQLException {
        try (PreparedStatement ps = st.getConnection().prepareStatement("SELECT NOT i.indisvalid FROM pg_index i "
                + "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace n ON n.oid = x.relnamespace "
                + "WHERE n.nspname = ? AND x.relname = ?")) {
            ps.setString(1, d.table().schema());
            ps.setString(2, d.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static boolean hasConstraint(Statement st, DeferredIndex d) throws SQLException {
        try (PreparedStatement ps = st.getConnection().prepareStatement("SELECT 1 FROM pg_constraint "
                + "WHERE conrelid = to_regclass(?) AND conname = ?")) {
            ps.setString(1, d.table().quoted());
            ps.setString(2, d.name());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
