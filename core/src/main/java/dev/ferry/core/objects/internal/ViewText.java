package dev.ferry.core.objects.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;

/**
 * A view's query as another server would print it. {@code pg_get_viewdef} prints the same view differently from
 * one major version to the next (PostgreSQL 16 stopped qualifying columns with their table), so the source's query
 * is compared with the target's after the target parsed and printed it too: in a temporary view, rolled back.
 */
public final class ViewText {
    private ViewText() {}

    /** {@code query} as {@code c} prints it, or null when it does not parse there (something it uses is missing). */
    public static String render(Connection c, String query) {
        boolean auto;
        try {
            auto = c.getAutoCommit();
            c.setAutoCommit(false);
        } catch (SQLException e) {
            return null;
        }
        Savepoint sp = null;
        try (Statement st = c.createStatement()) {
            sp = c.setSavepoint();
            st.execute("SET LOCAL search_path = ''");
            st.execute("CREATE TEMPORARY VIEW ferry_rendered AS " + query);
            try (var rs = st.executeQuery("SELECT pg_get_viewdef('pg_temp.ferry_rendered'::regclass)")) {
                rs.next();
                return Relations.stripSemicolon(rs.getString(1)).strip();
            }
        } catch (SQLException e) {
            return null;
        } finally {
            try {
                if (sp != null) {
                    c.rollback(sp);
                }
                c.rollback();
                c.setAutoCommit(auto);
            } catch (SQLException ignored) {
                // nothing of it was kept
            }
        }
    }
}
