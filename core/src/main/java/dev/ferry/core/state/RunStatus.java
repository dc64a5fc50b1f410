package dev.ferry.core.state;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.FerryException;
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
import java.util.Map;

/**
 * Where a run stands, read from the state store and (when reachable) the source: what {@code ferry status}
 * prints. Reading only; any terminal can ask while {@code ferry start} runs.
 *
 * @param writer        the Ferry command holding the state store's writer lock ({@code "ferry start" (pid 123)}), or
 *                      null when none runs
 * @param slot          the slot as the source sees it, or null when the source was not asked, not reached, or has
 *                      no such slot
 * @param sourceProblem why the source could not be read (one sentence), or null
 * @param position      how far the stream has come: the applied LSN, or the slot's confirmed position when heartbeats
 *                      moved it further while the migrated tables were quiet
 * @param lagBytes      source WAL past {@code position}, or -1 when the source was not read
 * @param lagSeconds    0 when the stream reached, within the sample, the source's position at the sample's start;
 *                      otherwise how long the source took to write the WAL still unapplied (at the rate measured in
 *                      the sample), or the time since the last progress when the source wrote nothing meanwhile;
 *                      -1 when the source was not read
 * @param lastStop      why the last stream stopped on a failure (and has not streamed since), or null
 * @param snapshotSteps seconds spent in each snapshot step so far (summed over the runs that continued it)
 */
public record RunStatus(RunInfo run, String writer, Lsn applied, long changesApplied, double changesPerSecond,
                        Instant appliedAt, SlotState slot, String sourceProblem, Lsn position, long lagBytes,
                        double lagSeconds, String switchState, long deadLetters, List<TableState> tables,
                        StateStore.Stop lastStop, Map<SnapshotStep, Double> snapshotSteps) {

    /** @param activePid the walsender reading the slot, or 0 */
    public record SlotState(boolean active, int activePid, Lsn confirmedFlush, Lsn restart, String walStatus,
                            long retainedBytes, Lsn current) {}

    public record TableState(String source, String target, String state, long rows, long chunksDone, long chunks) {}

    /**
     * @param source may be null: then only the target's view is reported; when it cannot be reached that is
     *               reported in {@link #sourceProblem()}, never thrown
     * @param sample how long to watch the applied counter and the source's WAL to measure rates and lag
     */
    public static RunStatus read(StateStore store, ConnectionSpec source, Duration sample) {
        RunInfo run = store.run().orElseThrow();
        String q = Identifiers.quote(store.schema());
        Connection src = null;
        String problem = null;
        if (source != null) {
            try {
                src = Db.open(source, "source", "status");
            } catch (FerryException e) {
                problem = e.getMessage();
            }
        }
        try {
            long t0 = System.nanoTime();
            long[] first = counters(store.connection(), q);
            Lsn sourceAtStart = src == null ? null : currentLsn(src);
            if (!sample.isZero()) {
                Thread.sleep(sample.toMillis());
            }
            long[] second = counters(store.connection(), q);
            double seconds = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
            double rate = sample.isZero() ? 0 : (second[0] - first[0]) / seconds;
            Lsn applied = store.appliedLsn();
            Instant at = Instant.ofEpochMilli(second[1]);
            SlotState slot = src == null ? null : slot(src, run.slot());
            Lsn position = slot == null ? applied : Lsn.max(applied, slot.confirmedFlush());
            long lag = -1;
            double lagSeconds = -1;
            if (src != null) {
                Lsn now = slot != null ? slot.current() : currentLsn(src);
                lag = now.bytesSince(position);
                double walRate = now.bytesSince(sourceAtStart) / seconds;
                if (position.compareTo(sourceAtStart) >= 0 || lag == 0) {
                    lagSeconds = 0;
                } else if (walRate > 0) {
                    lagSeconds = Math.max(seconds, lag / walRate);
                } else {
                    lagSeconds = Math.max(0, Duration.between(at, Instant.now()).toMillis() / 1000.0);
                }
            }
            return new RunStatus(run, writer(store.connection(), store.schema()), applied, second[0], rate, at, slot,
                    problem, position, lag, lagSeconds, store.switchState().orElse(null),
                    count(store.connection(), "SELECT count(*) FROM " + q + ".dead_letters"), tables(store.connection(), q),
                    store.lastStop().orElse(null), store.stepSeconds());
        } catch (SQLException e) {
            throw ServerErrors.during("reading the run's state", src == null ? "target" : "source or target", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            closeQuietly(src);
        }
    }

    /**
     * The Ferry command holding the writer lock of the state store {@code schema}, as {@code "ferry start" (pid 123)},
     * or null. Read from {@code pg_locks}, so asking takes no lock and cannot disturb the writer.
     */
    public static String writer(Connection target, String schema) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT l.pid, coalesce(a.application_name, '') FROM pg_locks l "
                + "LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                + "AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                + "AND ((l.classid::int8 << 32) | l.objid::int8) = hashtext(?)::int8")) {
            ps.setString(1, StateStore.writerLockKey(schema));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? "\"" + (rs.getString(2).isEmpty() ? "ferry" : rs.getString(2)) + "\" (pid "
                        + rs.getInt(1) + " on the target)" : null;
            }
        }
    }

    private static Lsn currentLsn(Connection src) throws SQLException {
        try (Statement s = src.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // read-only connection: nothing to lose
            }
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

    /**
     * The tables with the rows of their finished chunks, plus (PostgreSQL 14+) the rows the COPYs under way into
     * them have written so far: a table copied whole is one chunk until it commits (docs/design.md, "Whole tables or
     * ranges"), and its count should not sit at 0 meanwhile.
     */
    private static List<TableState> tables(Connection c, String q) throws SQLException {
        List<TableState> out = new ArrayList<>();
        String live = c.getMetaData().getDatabaseMajorVersion() < 14 ? "0"
                : "coalesce((SELECT sum(p.tuples_processed) FROM pg_stat_progress_copy p WHERE p.command = 'COPY FROM' "
                + "AND p.relid = to_regclass(quote_ident(t.target_schema) || '.' || quote_ident(t.target_name))), 0)";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT t.source_schema || '.' || t.source_name, "
                + "t.target_schema || '.' || t.target_name, t.state, coalesce(sum(k.rows), t.rows) + " + live + ", "
                + "count(k.chunk) FILTER (WHERE k.done), count(k.chunk) FROM " + q + ".tables t LEFT JOIN " + q
                + ".chunks k ON k.source_schema = t.source_schema AND k.source_name = t.source_name "
                + "GROUP BY 1, 2, 3, t.rows, t.target_schema, t.target_name ORDER BY 1")) {
            while (rs.next()) {
                out.add(new TableState(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6)));
            }
        }
        return out;
    }

    private static SlotState slot(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT s.active, coalesce(s.active_pid, 0), "
                + "s.confirmed_flush_lsn::text, s.restart_lsn::text, coalesce(s.wal_status, '?'), "
                + "coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint, 0), pg_current_wal_lsn()::text "
                + "FROM pg_replication_slots s WHERE s.slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new SlotState(rs.getBoolean(1), rs.getInt(2), lsn(rs.getString(3)), lsn(rs.getString(4)),
                        rs.getString(5), rs.getLong(6), Lsn.parse(rs.getString(7)));
            }
        }
    }

    private static Lsn lsn(String text) {
        return text == null ? Lsn.ZERO : Lsn.parse(text);
    }
}
