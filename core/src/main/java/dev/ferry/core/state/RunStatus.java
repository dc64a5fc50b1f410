package dev.ferry.core.state;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a run stands, read from the state store and (when reachable) the source: what {@code ferry status}
 * prints. Reading only; any terminal can ask while {@code ferry start} runs.
 *
 * @param slot      the slot as the source sees it, or null when the source was not asked or has no such slot
 * @param lagBytes  source WAL not yet applied, or -1 when the source was not asked
 * @param lagSeconds time since the target last recorded progress while lag remains, 0 when caught up
 */
public record RunStatus(RunInfo run, Lsn applied, long changesApplied, double changesPerSecond, Instant appliedAt,
                        SlotState slot, long lagBytes, double lagSeconds, String switchState, long deadLetters,
                        List<TableState> tables) {

    public record SlotState(boolean active, Lsn confirmedFlush, Lsn restart, String walStatus, long retainedBytes,
                            Lsn current) {}

    public record TableState(String source, String target, String state, long rows, long chunksDone, long chunks) {}

    /**
     * @param source may be null: then only the target's view is reported
     * @param sample how long to watch the applied counter to measure changes/s
     */
    public static RunStatus read(StateStore store, ConnectionSpec source, Duration sample) {
        RunInfo run = store.run().orElseThrow();
        String q = Identifiers.quote(store.schema());
        try {
            long[] first = counters(store.connection(), q);
            if (!sample.isZero()) {
                Thread.sleep(sample.toMillis());
            }
            long[] second = counters(store.connection(), q);
            double rate = sample.isZero() ? 0 : (second[0] - first[0]) * 1000.0 / sample.toMillis();
            Lsn applied = store.appliedLsn();
            Instant at = Instant.ofEpochMilli(second[1]);
            SlotState slot = source == null ? null : slot(source, run.slot());
            long lag = slot == null ? -1 : slot.current().bytesSince(applied);
            double lagSeconds = lag > 0 ? Duration.between(at, Instant.now()).toMillis() / 1000.0 : 0;
            return new RunStatus(run, applied, second[0], rate, at, slot, lag, Math.max(0, lagSeconds),
                    store.switchState().orElse(null), count(store.connection(), "SELECT count(*) FROM " + q + ".dead_letters"),
                    tables(store.connection(), q));
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Total changes applied and the time of the latest progress, in epoch millis. */
    private static long[] counters(Connection c, String q) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(sum(changes), 0), "
                + "(extract(epoch FROM coalesce(max(updated_at), now())) * 1000)::bigint FROM " + q + ".applied")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<TableState> tables(Connection c, String q) throws SQLException {
        List<TableState> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT t.source_schema || '.' || t.source_name, "
                + "t.target_schema || '.' || t.target_name, t.state, coalesce(sum(k.rows), t.rows), "
                + "count(k.chunk) FILTER (WHERE k.done), count(k.chunk) FROM " + q + ".tables t LEFT JOIN " + q
                + ".chunks k ON k.source_schema = t.source_schema AND k.source_name = t.source_name "
                + "GROUP BY 1, 2, 3, t.rows ORDER BY 1")) {
            while (rs.next()) {
                out.add(new TableState(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6)));
            }
        }
        return out;
    }

    private static SlotState slot(ConnectionSpec source, String slot) {
        try (Connection c = Db.open(source, "source", "status");
             PreparedStatement ps = c.prepareStatement("SELECT s.active, s.confirmed_flush_lsn::text, s.restart_lsn::text, "
                     + "s.wal_status, pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint, "
                     + "pg_current_wal_lsn()::text FROM pg_replication_slots s WHERE s.slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new SlotState(rs.getBoolean(1), rs.getString(2) == null ? Lsn.ZERO : Lsn.parse(rs.getString(2)),
                        rs.getString(3) == null ? Lsn.ZERO : Lsn.parse(rs.getString(3)), rs.getString(4), rs.getLong(5),
                        Lsn.parse(rs.getString(6)));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the replication slot", "source", e);
        }
    }
}
