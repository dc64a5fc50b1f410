package dev.ferry.core.objects.internal;

import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Roles are the cluster's, not the database's: the target may lack the owners and grantees the objects name.
 * {@code --create-roles} creates them as the source has them, but never with a password (a hash is a credential)
 * and never with the attributes a managed server reserves to itself (SUPERUSER, REPLICATION, BYPASSRLS), which are
 * named instead.
 */
public final class Roles {
    /** Settings whose value is a list PostgreSQL stores already quoted item by item: written back as they are. */
    private static final Set<String> LIST_SETTINGS = Set.of("search_path", "temp_tablespaces", "local_preload_libraries",
            "session_preload_libraries", "shared_preload_libraries", "unix_socket_directories", "default_text_search_config");

    private Roles() {}

    /** The roles of {@code wanted} the server lacks, in order; one query. */
    public static List<String> missing(Connection c, Collection<String> wanted) throws SQLException {
        if (wanted.isEmpty()) {
            return List.of();
        }
        return Query.rows(c, "SELECT w FROM unnest(?::text[]) WITH ORDINALITY AS u (w, i) "
                + "WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = w) ORDER BY i", rs -> rs.getString(1),
                c.createArrayOf("text", wanted.toArray()));
    }

    /**
     * Every role an object of the connected database can name, and more: {@code pg_shdepend} records the roles its
     * objects depend on (owners, ACL entries as grantee or grantor, policies, default privileges, large objects),
     * except the pinned ones, the bootstrap superuser and the predefined roles, which are all taken.
     */
    public static List<String> namedInDatabase(Connection c) throws SQLException {
        return Query.rows(c, "SELECT rolname FROM pg_roles WHERE oid < 16384 OR oid IN (SELECT refobjid FROM "
                + "pg_shdepend WHERE refclassid = 'pg_authid'::regclass AND dbid = (SELECT oid FROM pg_database "
                + "WHERE datname = current_database())) ORDER BY rolname", rs -> rs.getString(1));
    }

    /**
     * Creates {@code roles} on the target as the source has them, then their memberships (among roles the target
     * has) and their settings, then the database's own settings.
     */
    public static void create(Connection source, Connection target, List<String> roles, Consumer<String> log)
            throws SQLException {
        for (String r : roles) {
            record Attrs(boolean login, boolean inherit, boolean createdb, boolean createrole, int limit, String until,
                         boolean superuser, boolean replication, boolean bypassrls) {}
            List<Attrs> found = Query.rows(source, "SELECT rolcanlogin, rolinherit, rolcreatedb, rolcreaterole, "
                    + "rolconnlimit, rolvaliduntil::text, rolsuper, rolreplication, rolbypassrls FROM pg_roles "
                    + "WHERE rolname = ?", rs -> new Attrs(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3),
                    rs.getBoolean(4), rs.getInt(5), rs.getString(6), rs.getBoolean(7), rs.getBoolean(8), rs.getBoolean(9)), r);
            if (found.isEmpty()) {
                continue;
            }
            Attrs a = found.get(0);
            String sql = "CREATE ROLE " + Identifiers.quote(r) + (a.login ? " LOGIN" : " NOLOGIN")
                    + (a.inherit ? " INHERIT" : " NOINHERIT") + (a.createdb ? " CREATEDB" : "")
                    + (a.createrole ? " CREATEROLE" : "") + (a.limit >= 0 ? " CONNECTION LIMIT " + a.limit : "")
                    + (a.until != null && !a.until.equals("infinity") ? " VALID UNTIL " + Identifiers.literal(a.until) : "");
            exec(target, sql);
            log.accept("created role " + r + " on the target, without a password" + (a.login ? " (set one before it logs in)" : ""));
            List<String> reserved = new ArrayList<>();
            if (a.superuser) {
                reserved.add("SUPERUSER");
            }
            if (a.replication) {
                reserved.add("REPLICATION");
            }
            if (a.bypassrls) {
                reserved.add("BYPASSRLS");
            }
            if (!reserved.isEmpty()) {
                log.accept("role " + r + " is " + String.join(", ", reserved) + " on the source; Ferry did not give it that "
                        + "on the target: run ALTER ROLE " + Identifiers.quote(r) + " " + String.join(" ", reserved)
                        + " there if it needs it");
            }
        }
        memberships(source, target, roles, log);
        settings(source, target, roles);
    }

    private static void memberships(Connection source, Connection target, List<String> roles, Consumer<String> log)
            throws SQLException {
        record Member(String role, String member, boolean admin) {}
        List<Member> edges = Query.rows(source, "SELECT pg_get_userbyid(m.roleid), pg_get_userbyid(m.member), "
                + "m.admin_option FROM pg_auth_members m WHERE pg_get_userbyid(m.roleid) = ANY(?::text[]) "
                + "OR pg_get_userbyid(m.member) = ANY(?::text[]) ORDER BY 1, 2",
                rs -> new Member(rs.getString(1), rs.getString(2), rs.getBoolean(3)),
                source.createArrayOf("text", roles.toArray()), source.createArrayOf("text", roles.toArray()));
        for (Member m : edges) {
            if (!missing(target, List.of(m.role, m.member)).isEmpty()) {
                log.accept("role " + m.member + " is a member of " + m.role + " on the source, but the target has not both "
                        + "roles: membership not granted");
                continue;
            }
            exec(target, "GRANT " + Identifiers.quote(m.role) + " TO " + Identifiers.quote(m.member)
                    + (m.admin ? " WITH ADMIN OPTION" : ""));
        }
    }

    /** {@code ALTER ROLE ... SET} of the created roles (everywhere, and in this database), {@code ALTER DATABASE ... SET}. */
    private static void settings(Connection source, Connection target, List<String> roles) throws SQLException {
        String db = Query.rows(target, "SELECT current_database()", rs -> rs.getString(1)).get(0);
        record Setting(String role, boolean here, String config) {}
        List<Setting> all = Query.rows(source, "SELECT CASE WHEN s.setrole <> 0 THEN pg_get_userbyid(s.setrole) END, "
                + "s.setdatabase <> 0, unnest(s.setconfig) FROM pg_db_role_setting s "
                + "WHERE (s.setdatabase = 0 OR s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())) "
                + "AND (s.setrole = 0 AND s.setdatabase <> 0 OR pg_get_userbyid(s.setrole) = ANY(?::text[])) ORDER BY 1, 2, 3",
                rs -> new Setting(rs.getString(1), rs.getBoolean(2), rs.getString(3)),
                source.createArrayOf("text", roles.toArray()));
        for (Setting s : all) {
            int eq = s.config.indexOf('=');
            String name = s.config.substring(0, eq);
            String value = s.config.substring(eq + 1);
            String set = " SET " + Identifiers.quote(name) + " = "
                    + (LIST_SETTINGS.contains(name) ? value : Identifiers.literal(value));
            exec(target, s.role == null ? "ALTER DATABASE " + Identifiers.quote(db) + set
                    : "ALTER ROLE " + Identifiers.quote(s.role) + (s.here ? " IN DATABASE " + Identifiers.quote(db) : "") + set);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (var st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
