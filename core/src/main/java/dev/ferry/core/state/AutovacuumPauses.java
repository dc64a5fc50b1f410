package dev.ferry.core.state;

import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The target tables whose autovacuum a snapshot turns off while it loads them ({@code autovacuum_paused} in the
 * state schema). Each chunk's commit counts its rows as inserted, so autovacuum starts on a table still being
 * copied: it competes with the copy for the servers' cores and reads, then holds the table when its primary key
 * is built, which waits {@code deadlock_timeout} (1 s by default) for the vacuum to be cancelled, its work thrown
 * away (measured: bench/RESULTS.md, 2026-12-03). A single-transaction load does not meet this, its rows counting
 * only at its commit, when the key build takes the table at once.
 *
 * <p>Only tables the snapshot creates are paused: one the user created beforehand keeps its own settings. The
 * pause is recorded before the table is created and set right after, so a run killed in between still knows to
 * lift it; it is lifted, and its record removed in the same transaction, once the table's keys and indexes are
 * built. The record is what lets a resumed run lift it too, whichever run made the table.
 */
public final class AutovacuumPauses {
    private static final String OPTIONS = "(autovacuum_enabled = false, toast.autovacuum_enabled = false)";
    private static final String RESET = "(autovacuum_enabled, toast.autovacuum_enabled)";

    private AutovacuumPauses() {}

    static void createTable(Statement st, String q) throws SQLException {
        st.execute("CREATE TABLE " + q + ".autovacuum_paused (target_schema text, target_name text, "
                + "PRIMARY KEY (target_schema, target_name))");
    }

    /**
     * Records the {@code tables} that do not exist on the target yet (the snapshot is about to create them).
     * Partitioned tables hold no rows and take no storage settings: leave them out.
     */
    public static void recordNew(Connection target, String stateSchema, Collection<TableId> tables) {
        String q = Identifiers.quote(stateSchema);
        try (PreparedStatement ps = target.prepareStatement("INSERT INTO " + q + ".autovacuum_paused "
                + "SELECT ?, ? WHERE to_regclass(?) IS NULL ON CONFLICT DO NOTHING")) {
            for (TableId t : tables) {
                ps.setString(1, t.schema());
                ps.setString(2, t.name());
                ps.setString(3, t.quoted());
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw ServerErrors.during("writing the state store", "target", e);
        }
    }

    /** The recorded tables that exist on the target. */
    public static Set<TableId> recorded(Connection target, String stateSchema) {
        String q = Identifiers.quote(stateSchema);
        Set<TableId> tables = new LinkedHashSet<>();
        try (Statement st = target.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT target_schema, target_name FROM " + q + ".autovacuum_paused p WHERE EXISTS (SELECT 1 "
                        + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        + "WHERE n.nspname = p.target_schema AND c.relname = p.target_name) ORDER BY 1, 2")) {
            while (rs.next()) {
                tables.add(new TableId(rs.getString(1), rs.getString(2)));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        return tables;
    }

    /** Turns autovacuum off on every recorded table (again, for a resumed run: the statement is idempotent). */
    public static void pauseRecorded(Connection target, String stateSchema) {
        for (TableId t : recorded(target, stateSchema)) {
            try (Statement st = target.createStatement()) {
                st.execute("ALTER TABLE " + t.quoted() + " SET " + OPTIONS);
            } catch (SQLException e) {
                throw ServerErrors.during("turning autovacuum off on " + t + " while it loads", "target", e);
            }
        }
    }

    /**
     * Turns autovacuum back on wherever a run left it off ({@code ferry cleanup} ends a run that may have stopped
     * mid-copy); returns how many tables. Nothing when the state schema or its record is not there.
     */
    public static int liftAll(Connection target, String stateSchema) {
        try (PreparedStatement ps = target.prepareStatement("SELECT to_regclass(?)")) {
            ps.setString(1, Identifiers.quote(stateSchema) + ".autovacuum_paused");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getString(1) == null) {
                    return 0;
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        Set<TableId> tables = recorded(target, stateSchema);
        tables.forEach(t -> lift(target, stateSchema, t));
        return tables.size();
    }

    /**
     * Turns autovacuum back on for {@code table} if this snapshot turned it off, in one transaction with removing
     * the record. On {@code c}, in autocommit mode, which it is left in.
     */
    public static void lift(Connection c, String stateSchema, TableId table) {
        String q = Identifiers.quote(stateSchema);
        try {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + q + ".autovacuum_paused "
                    + "WHERE target_schema = ? AND target_name = ?")) {
                ps.setString(1, table.schema());
                ps.setString(2, table.name());
                if (ps.executeUpdate() > 0) {
                    try (Statement st = c.createStatement()) {
                        st.execute("ALTER TABLE " + table.quoted() + " RESET " + RESET);
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw ServerErrors.during("turning autovacuum back on for " + table, "target", e);
        }
    }
}
