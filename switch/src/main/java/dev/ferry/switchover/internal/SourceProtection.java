package dev.ferry.switchover.internal;

import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Write-protects the migrated tables on the source once they have moved. Each relation (partitions too: a write
 * straight to a partition fires only the partition's triggers) gets a statement trigger {@code ferry_fence},
 * {@code ENABLE ALWAYS} so it fires in {@code session_replication_role = replica} sessions too, that calls
 * {@code <state schema>.fence_check()}. Protecting and undoing replace that function's body: no table lock, so
 * no long reader or writer can block it, and it is transactional, so in the fence transaction it commits together
 * with the release of the fence's locks. A function rather than a row to check: a REPEATABLE READ writer whose
 * snapshot predates the fence would still see an "open" row, while function bodies are read from the catalog as
 * committed now. Superusers can still disable the trigger; that is their choice.
 */
public final class SourceProtection {
    static final String TRIGGER = "ferry_fence";
    private static final String REFUSE = "BEGIN RAISE EXCEPTION 'table %.% has moved to another server (ferry switch); "
            + "write to the new server', TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'read_only_sql_transaction'; END";
    private static final String ALLOW = "BEGIN RETURN NULL; END";

    private final String schema;
    private final List<TableId> relations;

    /** @param relations every relation of the run on the source, partitions included */
    public SourceProtection(String stateSchema, List<TableId> relations) {
        this.schema = Identifiers.quote(stateSchema);
        this.relations = List.copyOf(relations);
    }

    /**
     * In the fence transaction, whose locks already conflict with what {@code CREATE TRIGGER} needs (so it waits on
     * nothing more): makes the function refuse and adds the triggers a relation lacks. Commits with the caller. One
     * round trip, since it runs while writes are held: the triggers are looked for and made in the same statement.
     */
    public void protectInFence(Connection fenceTx) throws SQLException {
        String names = relations.stream().map(t -> Identifiers.literal(t.quoted())).collect(Collectors.joining(", "));
        String trigger = Identifiers.literal(TRIGGER);
        try (Statement s = fenceTx.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + schema + "; " + function(REFUSE) + "; "
                    + "DO $d$ DECLARE r text; BEGIN FOREACH r IN ARRAY ARRAY[" + names + "]::text[] LOOP "
                    + "IF NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = r::regclass AND g.tgname = " + trigger
                    + ") THEN EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s "
                    + "FOR EACH STATEMENT EXECUTE FUNCTION %s.fence_check()', " + trigger + ", r, "
                    + Identifiers.literal(schema) + "); END IF; "
                    + "IF NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = r::regclass AND g.tgname = " + trigger
                    + " AND g.tgenabled = 'A') THEN EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', r, "
                    + trigger + "); END IF; END LOOP; END $d$");
        }
    }

    /** Outside a fence (finishing a killed switch): the triggers were committed with the first protection. */
    public void protectAgain(Connection source) {
        run(source, function(REFUSE), "write-protecting the source tables");
    }

    /** Undo: the source takes writes again. The triggers stay (dropping them would need ACCESS EXCLUSIVE locks). */
    public void unprotect(Connection source) {
        if (functionExists(source)) {
            run(source, function(ALLOW), "lifting the source's write protection");
        }
    }

    /**
     * {@code ferry cleanup}: drops every {@code ferry_fence} trigger calling the fence function, then the function,
     * then the schema if nothing else is in it. Each {@code DROP TRIGGER} needs its table's ACCESS EXCLUSIVE lock,
     * and everyone's queries queue behind a waiting one, so each waits at most {@code lockTimeoutMillis}: the
     * tables a long transaction held are returned (the function then stays, for their triggers) for a re-run.
     */
    public List<String> remove(Connection source, long lockTimeoutMillis) {
        List<String> left = new java.util.ArrayList<>();
        try {
            if (!functionExists(source)) {
                return left;
            }
            List<String> tables = new java.util.ArrayList<>();
            try (PreparedStatement ps = source.prepareStatement("SELECT g.tgrelid::regclass::text FROM pg_trigger g "
                    + "WHERE g.tgname = ? AND g.tgfoid = to_regprocedure(?) ORDER BY 1")) {
                ps.setString(1, TRIGGER);
                ps.setString(2, schema + ".fence_check()");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
            }
            boolean auto = source.getAutoCommit();
            source.setAutoCommit(false);
            try (Statement s = source.createStatement()) {
                for (String t : tables) {
                    try {
                        s.execute("SET LOCAL lock_timeout = '" + lockTimeoutMillis + "ms'");
                        s.execute("DROP TRIGGER IF EXISTS " + TRIGGER + " ON " + t);
                        source.commit();
                    } catch (SQLException e) {
                        source.rollback();
                        if (!"55P03".equals(e.getSQLState())) {
                            throw e;
                        }
                        left.add(t);
                    }
                }
            } finally {
                source.setAutoCommit(auto);
            }
            if (left.isEmpty()) {
                try (Statement s = source.createStatement()) {
                    s.execute("DROP FUNCTION IF EXISTS " + schema + ".fence_check()");
                }
                try (Statement s = source.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS " + schema);
                } catch (SQLException e) {
                    if (!"2BP01".equals(e.getSQLState())) {
                        throw e; // 2BP01: the schema holds something else, which is not Ferry's to drop
                    }
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("dropping the write protection on the source", "source", e);
        }
        return left;
    }

    /** True when the source refuses writes to the migrated tables: the protection is committed. */
    public boolean isProtected(Connection source) {
        return askFunction(source, "SELECT coalesce((SELECT prosrc LIKE '%RAISE%' FROM pg_proc "
                + "WHERE oid = to_regprocedure(?)), false)");
    }

    private boolean functionExists(Connection source) {
        return askFunction(source, "SELECT to_regprocedure(?) IS NOT NULL");
    }

    /** A yes/no question about the fence function, whose signature is the query's one parameter. */
    private boolean askFunction(Connection source, String sql) {
        try (PreparedStatement ps = source.prepareStatement(sql)) {
            ps.setString(1, schema + ".fence_check()");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the source's write protection", "source", e);
        }
    }

    private String function(String body) {
        return "CREATE OR REPLACE FUNCTION " + schema + ".fence_check() RETURNS trigger LANGUAGE plpgsql AS $f$" + body
                + "$f$";
    }

    private static void run(Connection c, String sql, String what) {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw ServerErrors.during(what, "source", e);
        }
    }
}
