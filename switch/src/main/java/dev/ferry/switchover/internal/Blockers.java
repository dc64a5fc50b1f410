package dev.ferry.switchover.internal;

import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Who holds locks on the migrated tables that the fence's {@code EXCLUSIVE} lock (or a writer) must wait for.
 * Sessions are named by pid, state, age and query start, never by their query text (it may hold row values).
 */
public final class Blockers {
    /** A session holding a conflicting lock. */
    public record Session(int pid, String backendType, String state, long ageSeconds, String queryStart,
                          boolean autovacuum, boolean wraparound) {
        @Override
        public String toString() {
            return "pid " + pid + " (" + (autovacuum ? (wraparound ? "anti-wraparound autovacuum" : "autovacuum")
                    : backendType + ", " + state) + ", transaction " + ageSeconds + " s old, query started " + queryStart + ")";
        }
    }

    private Blockers() {}

    /** Prepared transactions holding any lock on the relations: their locks outlive every session ({@code pid} NULL). */
    public static List<String> preparedTransactions(Connection source, List<TableId> relations) {
        List<String> gids = new ArrayList<>();
        // A prepared transaction's locks share the virtual transaction of its transactionid lock.
        try (PreparedStatement ps = source.prepareStatement("SELECT DISTINCT p.gid FROM pg_prepared_xacts p "
                + "JOIN pg_locks x ON x.locktype = 'transactionid' AND x.pid IS NULL AND x.transactionid = p.transaction "
                + "JOIN pg_locks l ON l.pid IS NULL AND l.locktype = 'relation' AND l.virtualtransaction = x.virtualtransaction "
                + "WHERE l.relation IN (SELECT u::regclass FROM unnest(?::text[]) u) ORDER BY 1")) {
            ps.setArray(1, source.createArrayOf("text", relations.stream().map(TableId::quoted).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    gids.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading prepared transactions", "source", e);
        }
        return gids;
    }

    /** Sessions (other than this one) holding a lock on the relations that conflicts with {@code EXCLUSIVE}. */
    public static List<Session> sessions(Connection source, List<TableId> relations) {
        return sessions(source, relations, false);
    }

    /**
     * @param anyLock true for what blocks {@code ACCESS EXCLUSIVE} (every lock, readers' too), false for what blocks
     *                {@code EXCLUSIVE}
     */
    public static List<Session> sessions(Connection source, List<TableId> relations, boolean anyLock) {
        List<Session> out = new ArrayList<>();
        try (PreparedStatement ps = source.prepareStatement("SELECT a.pid, a.backend_type, coalesce(a.state, ''), "
                + "coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.backend_start))::int8, 0), "
                + "coalesce(to_char(a.query_start, 'YYYY-MM-DD HH24:MI:SS'), 'never'), "
                + "a.backend_type = 'autovacuum worker', a.query LIKE '%(to prevent wraparound)%' "
                + "FROM pg_stat_activity a WHERE a.pid IN (SELECT l.pid FROM pg_locks l WHERE l.granted "
                + "AND l.pid <> pg_backend_pid() "
                + (anyLock ? "" : "AND l.mode NOT IN ('AccessShareLock', 'RowShareLock') ")
                + "AND l.relation IN (SELECT u::regclass FROM unnest(?::text[]) u)) ORDER BY a.pid")) {
            ps.setArray(1, source.createArrayOf("text", relations.stream().map(TableId::quoted).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Session(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5),
                            rs.getBoolean(6), rs.getBoolean(7)));
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the sessions that block the fence", "source", e);
        }
        return out;
    }

    /**
     * Cancels the blockers when every one is an ordinary autovacuum (it starts again later; the fence cannot wait
     * for it). An anti-wraparound vacuum is never cancelled. Returns the pids cancelled.
     */
    public static List<Integer> cancelOrdinaryAutovacuum(Connection source, List<Session> blockers) {
        if (blockers.isEmpty() || !blockers.stream().allMatch(b -> b.autovacuum() && !b.wraparound())) {
            return List.of();
        }
        List<Integer> cancelled = new ArrayList<>();
        for (Session b : blockers) {
            try (PreparedStatement ps = source.prepareStatement("SELECT pg_cancel_backend(?)")) {
                ps.setInt(1, b.pid());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        cancelled.add(b.pid());
                    }
                }
            } catch (SQLException e) {
                // not permitted for this role (needs pg_signal_backend): the timeout message names it instead
            }
        }
        return cancelled;
    }

    /** For the timeout message. */
    public static String describe(List<Session> sessions, List<String> prepared) {
        List<String> parts = new ArrayList<>();
        if (!sessions.isEmpty()) {
            parts.add("blocked by " + sessions.stream().map(Session::toString).collect(Collectors.joining(", "))
                    + (sessions.stream().anyMatch(Session::wraparound) ? "; an anti-wraparound vacuum is never cancelled: "
                    + "let it finish" : "") + "; end a session with SELECT pg_cancel_backend(pid) or pg_terminate_backend(pid)");
        }
        if (!prepared.isEmpty()) {
            parts.add("prepared transaction(s) " + String.join(", ", prepared) + " hold locks: COMMIT PREPARED or "
                    + "ROLLBACK PREPARED them");
        }
        return parts.isEmpty() ? "a transaction held the tables, since ended" : String.join("; ", parts);
    }
}
