package dev.ferry.core.check;

import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The target's prerequisites: writable, the user may create tables and set session_replication_role, tables empty. */
final class TargetChecks {
    private final Connection c;
    private final List<Problem> out;
    private String user;
    private String database;

    TargetChecks(Connection c, List<Problem> out) {
        this.c = c;
        this.out = out;
    }

    /** Who Ferry is on the target, and in which database; the other checks name both in their fixes. */
    void identify() throws SQLException {
        Sql.row(c, "SELECT current_user, current_database()", rs -> {
            user = rs.getString(1);
            database = rs.getString(2);
            return user;
        });
    }

    /** Standby or read-only sessions: Ferry could not write a row. */
    void writable() throws SQLException {
        record State(boolean recovery, String readOnly, String readOnlySource) {}
        State s = Sql.row(c, "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only'), "
                + "(SELECT source FROM pg_settings WHERE name = 'default_transaction_read_only')",
                rs -> new State(rs.getBoolean(1), rs.getString(2), rs.getString(3)));
        if (s.recovery()) {
            out.add(Problem.problem("target_read_only", "the target is a standby (in recovery), so Ferry cannot write "
                    + "to it; point --target at a primary"));
        } else if (s.readOnly().equals("on")) {
            String fix = switch (s.readOnlySource()) {
                case "database" -> "ALTER DATABASE " + Identifiers.quote(database);
                case "user", "database user" -> "ALTER ROLE " + Identifiers.quote(user);
                default -> "ALTER SYSTEM";
            };
            out.add(Problem.problem("target_read_only", "the target database \"" + database + "\" is read-only for user \""
                    + user + "\" (default_transaction_read_only = on, set in the " + s.readOnlySource() + " settings); "
                    + "run " + fix + " SET default_transaction_read_only = off"
                    + (fix.equals("ALTER SYSTEM") ? " and SELECT pg_reload_conf() on the target" : " on the target")));
        }
    }

    /**
     * CREATE on the schemas the tables land in (and on the database when a schema must be created), and the right
     * to set {@code session_replication_role}, which the apply path uses so target triggers and foreign keys do
     * not fire again on replicated rows.
     */
    void rights(List<TableInfo> tables, String stateSchema) throws SQLException {
        Set<String> schemas = new LinkedHashSet<>();
        tables.forEach(t -> schemas.add(t.id().schema()));
        schemas.add(stateSchema);
        record Schema(String name, boolean exists, boolean create) {}
        List<Schema> found = Sql.rows(c, "SELECT w.s, n.oid IS NOT NULL, n.oid IS NOT NULL AND "
                + "has_schema_privilege(n.oid, 'CREATE') FROM unnest(?::text[]) AS w(s) "
                + "LEFT JOIN pg_namespace n ON n.nspname = w.s",
                rs -> new Schema(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3)),
                Sql.textArray(c, new ArrayList<>(schemas)));
        String q = Identifiers.quote(user);
        boolean createSchemas = Sql.row(c, "SELECT has_database_privilege(current_database(), 'CREATE')",
                rs -> rs.getBoolean(1));
        List<String> toCreate = found.stream().filter(s -> !s.exists()).map(Schema::name).toList();
        if (!toCreate.isEmpty() && !createSchemas) {
            out.add(Problem.problem("target_create", "user \"" + user + "\" cannot create schemas in the target "
                    + "database \"" + database + "\", and Ferry needs to create " + Sql.list(toCreate, 3) + " there; "
                    + "run GRANT CREATE ON DATABASE " + Identifiers.quote(database) + " TO " + q + " on the target"));
        }
        for (Schema s : found) {
            if (s.exists() && !s.create()) {
                out.add(Problem.problem("target_create", "user \"" + user + "\" cannot create tables in schema "
                        + s.name() + " on the target; run GRANT CREATE ON SCHEMA " + Identifiers.quote(s.name())
                        + " TO " + q + " on the target"));
            }
        }
        replicationRole();
    }

    /** Tried rather than inferred: clouds grant this in their own ways (rds_superuser, SET privileges). */
    private void replicationRole() throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL session_replication_role = replica");
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState())) {
                throw e;
            }
            int version = c.getMetaData().getDatabaseMajorVersion();
            String q = Identifiers.quote(user);
            out.add(Problem.problem("session_replication_role", "user \"" + user + "\" cannot set "
                    + "session_replication_role on the target, which Ferry's apply needs so target triggers and "
                    + "foreign keys do not fire again on copied changes; "
                    + (version >= 15 ? "run GRANT SET ON PARAMETER session_replication_role TO " + q + " on the target"
                    : "use a superuser (rds_superuser on RDS) for the target")));
        } finally {
            c.rollback();
            c.setAutoCommit(auto);
        }
    }

    /** A table to be copied that already has rows would get duplicates or key conflicts. */
    void emptyTables(List<TableInfo> tables) throws SQLException {
        List<TableId> ids = tables.stream().map(TableInfo::id).toList();
        List<TableId> existing = Sql.rows(c, "SELECT w.s, w.t FROM unnest(?::text[], ?::text[]) AS w(s, t) "
                        + "JOIN pg_namespace n ON n.nspname = w.s JOIN pg_class r ON r.relnamespace = n.oid "
                        + "AND r.relname = w.t AND r.relkind = 'r'",
                rs -> new TableId(rs.getString(1), rs.getString(2)),
                Sql.textArray(c, ids.stream().map(TableId::schema).toList()),
                Sql.textArray(c, ids.stream().map(TableId::name).toList()));
        for (TableId t : existing) {
            boolean rows;
            try {
                rows = Sql.row(c, "SELECT EXISTS (SELECT 1 FROM " + t.quoted() + ")", rs -> rs.getBoolean(1));
            } catch (SQLException e) {
                if (!"42501".equals(e.getSQLState())) {
                    throw e;
                }
                out.add(Problem.problem("target_select", "user \"" + user + "\" cannot read table " + t + " on the "
                        + "target, which already exists there; run GRANT SELECT, INSERT, UPDATE, DELETE ON "
                        + t.quoted() + " TO " + Identifiers.quote(user) + " on the target, or drop the table"));
                continue;
            }
            if (rows) {
                out.add(Problem.problem("target_not_empty", "table " + t + " on the target already holds rows; "
                        + "empty it (TRUNCATE " + t.quoted() + ") or pass --truncate-target"));
            }
        }
    }
}
