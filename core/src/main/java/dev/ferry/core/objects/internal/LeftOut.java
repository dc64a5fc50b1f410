package dev.ferry.core.objects.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;

/**
 * What Ferry does not carry and names instead: on purpose, event triggers (often the platform's own), publications
 * and subscriptions (replication set-ups of the old server, not of the new one); not yet, the user's own text search
 * configurations and dictionaries, operator classes and families, foreign-data wrappers, servers, user mappings and
 * foreign tables (those of extensions come with their extension).
 */
final class LeftOut {
    private LeftOut() {}

    /** Label, catalog, how its row is named (search_path is empty, so names come out qualified). */
    private static final String[][] NOT_YET = {
        {"text search configuration", "pg_ts_config", "x.oid::regconfig::text"},
        {"text search dictionary", "pg_ts_dict", "x.oid::regdictionary::text"},
        {"operator class", "pg_opclass", "x.opcnamespace::regnamespace::text || '.' || quote_ident(x.opcname) "
                + "|| ' using ' || (SELECT amname FROM pg_am WHERE oid = x.opcmethod)"},
        {"operator family", "pg_opfamily", "x.opfnamespace::regnamespace::text || '.' || quote_ident(x.opfname) "
                + "|| ' using ' || (SELECT amname FROM pg_am WHERE oid = x.opfmethod)"},
        {"foreign-data wrapper", "pg_foreign_data_wrapper", "quote_ident(x.fdwname)"},
        {"foreign server", "pg_foreign_server", "quote_ident(x.srvname)"},
    };

    static List<String> read(Connection c, String ownPublication) throws SQLException {
        List<String> out = new ArrayList<>();
        out.addAll(Query.rows(c, "SELECT 'event trigger ' || quote_ident(evtname) FROM pg_event_trigger ORDER BY 1",
                rs -> rs.getString(1)));
        out.addAll(Query.rows(c, "SELECT 'publication ' || quote_ident(pubname) FROM pg_publication WHERE pubname <> ? "
                + "ORDER BY 1", rs -> rs.getString(1), ownPublication == null ? "" : ownPublication));
        for (String[] kind : NOT_YET) {
            out.addAll(Query.rows(c, "SELECT '" + kind[0] + " ' || " + kind[2] + " FROM " + kind[1] + " x WHERE x.oid >= 16384 "
                    + "AND " + ReadContext.notInExtension(kind[1], "x.oid") + " ORDER BY 1", rs -> rs.getString(1)));
        }
        out.addAll(Query.rows(c, "SELECT 'foreign table ' || x.oid::regclass::text FROM pg_class x WHERE x.relkind = 'f' "
                + "AND " + ReadContext.notInExtension("pg_class", "x.oid") + " ORDER BY 1", rs -> rs.getString(1)));
        out.addAll(Query.rows(c, "SELECT 'user mapping for ' || quote_ident(m.usename) || ' on server ' "
                + "|| quote_ident(m.srvname) FROM pg_user_mappings m ORDER BY 1", rs -> rs.getString(1)));
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
