package dev.ferry.core.objects.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;

/**
 * What Ferry does not carry on purpose and names instead: event triggers (often the platform's own), publications
 * and subscriptions (replication set-ups of the old server, not of the new one).
 */
final class LeftOut {
    private LeftOut() {}

    static List<String> read(Connection c, String ownPublication) throws SQLException {
        List<String> out = new ArrayList<>();
        out.addAll(Query.rows(c, "SELECT 'event trigger ' || quote_ident(evtname) FROM pg_event_trigger ORDER BY 1",
                rs -> rs.getString(1)));
        out.addAll(Query.rows(c, "SELECT 'publication ' || quote_ident(pubname) FROM pg_publication WHERE pubname <> ? "
                + "ORDER BY 1", rs -> rs.getString(1), ownPublication == null ? "" : ownPublication));
        // pg_subscription is readable by superusers only; a role that cannot read it has none to lose here.
        Savepoint sp = c.getAutoCommit() ? null : c.setSavepoint();
        try {
            out.addAll(Query.rows(c, "SELECT 'subscription ' || quote_ident(subname) FROM pg_subscription "
                    + "WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY 1",
                    rs -> rs.getString(1)));
        } catch (SQLException e) {
            if (sp != null) {
                c.rollback(sp);
            }
        } finally {
            if (sp != null) {
                try {
                    c.releaseSavepoint(sp);
                } catch (SQLException ignored) {
                    // rolled back to it already
                }
            }
        }
        return out;
    }
}
