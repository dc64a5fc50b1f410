package dev.ferry.core.state;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The run's memory, kept in a schema on the target ({@code ferry} by default), so everything a restarted or
 * separate command needs is found from {@code --target} alone.
 *
 * <p>Created on first use and versioned. One writer at a time: {@link #lockWriter} holds a session-level
 * advisory lock on this store's own connection until {@link #close()}; one applier of changes at a time
 * likewise ({@link #lockApplier}). Readers ({@code status}) need no lock.
 * Methods are not thread-safe; workers that record progress in their own transactions use the static
 * {@code record*} methods with their own connection.
 */
public final class StateStore implements AutoCloseable {
    private final Connection c;
    private final String schema;
    private final String q;

    private StateStore(Connection c, String schema) {
        this.c = c;
        this.schema = schema;
        this.q = Identifiers.quote(schema);
    }

    /** Opens the store on the target, creating or upgrading its schema when needed. */
    public static StateStore open(ConnectionSpec target, String schema) {
        Connection c = Db.open(target, "target", "state");
        StateStore s = new StateStore(c, schema);
        try {
            StateSchema.migrate(c, schema);
        } catch (SQLException e) {
            s.close();
            throw ServerErrors.during("creating the state schema \"" + schema + "\"", "target", e);
        }
        return s;
    }

    /** Opens the store only if it exists: for commands that inspect a run and must not create one. */
    public static Optional<StateStore> openExisting(ConnectionSpec target, String schema) {
        Connection c = Db.open(target, "target", "state");
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM pg_tables WHERE schemaname = ? AND tablename = 'run'")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return Optional.of(new StateStore(c, schema));
                }
            }
            c.close();
            return Optional.empty();
        } catch (SQLException e) {
            closeQuietly(c);
            throw ServerErrors.during("reading the state schema", "target", e);
        }
    }

    public String schema() {
        return schema;
    }

    /** The store's own connection (autocommit); do not close it. */
    public Connection connection() {
        return c;
    }

    /**
     * Makes this store the single writer. Fails at once, naming the holder, when another Ferry command writes.
     *
     * @param command the command taking the lock, for the other side's message
     */
    public void lockWriter(String command) {
        if (!tryLock(writerLockKey(schema), command)) {
            throw new FerryException(ExitCode.USAGE, "another Ferry command is already running against this "
                    + "target (state schema \"" + schema + "\"); stop it first, or use \"ferry status\" to watch it");
        }
    }

    /**
     * Makes this store the single applier of changes to the target's tables, held until {@link #close()}: the
     * stream and a replay both write rows and the applied position, and either one run over the other re-applies
     * old changes over newer rows. Separate from {@link #lockWriter}, which a switch holds while the stream drains.
     *
     * @param command the command taking the lock, for {@code pg_stat_activity}
     */
    public void lockApplier(String command) {
        if (!tryLock(applierLockKey(schema), command)) {
            throw new FerryException(ExitCode.USAGE, "changes are already being applied to this target by another "
                    + "Ferry command (a running \"ferry stream\" or \"ferry start\", or a replay; state schema \""
                    + schema + "\"); stop it first, or replay onto a copy of the target with --target");
        }
    }

    private boolean tryLock(String key, String command) {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return false;
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("SET application_name = " + Identifiers.literal("ferry " + command));
            }
            return true;
        } catch (SQLException e) {
            throw ServerErrors.during("locking the state store", "target", e);
        }
    }

    /** The advisory lock key (hashed with {@code hashtext}) the applier of state schema {@code schema} holds. */
    static String applierLockKey(String schema) {
        return "ferry-applier:" + schema;
    }

    /** The advisory lock key (hashed with {@code hashtext}) the writer of state schema {@code schema} holds. */
    static String writerLockKey(String schema) {
        return "ferry-writer:" + schema;
    }

    public Optional<RunInfo> run() {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT source, source_system_id, slot, publication, consistent_lsn::text, snapshot_name, phase, started_at "
                        + "FROM " + q + ".run")) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new RunInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                    Lsn.parse(rs.getString(5)), rs.getString(6), Phase.valueOf(rs.getString(7)),
                    rs.getTimestamp(8).toInstant()));
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
    }

    /** Records a new run; the applied position of worker 0 starts at the consistent LSN. */
    public void createRun(RunInfo run) {
        update("INSERT INTO " + q + ".run (source, source_system_id, slot, publication, consistent_lsn, snapshot_name, phase) "
                + "VALUES (?, ?, ?, ?, ?::pg_lsn, ?, ?)", run.source(), run.sourceSystemId(), run.slot(), run.publication(),
                run.consistentLsn().toString(), run.snapshotName(), run.phase().name());
        update("INSERT INTO " + q + ".applied (worker, lsn) VALUES (0, ?::pg_lsn) ON CONFLICT (worker) DO UPDATE SET lsn = "
                + "excluded.lsn", run.consistentLsn().toString());
        update("DELETE FROM " + q + ".slot_intent WHERE slot = ?", run.slot());
    }

    // ---- the slot a start is creating ----

    /**
     * Records, before the slot exists, that a start is creating {@code slot} on the source {@code systemId}
     * through the walsender {@code pid}: a start killed before it recorded its run leaves this behind, which is how
     * the next start knows the slot of that name is its own orphan and not another run's.
     */
    public void recordSlotIntent(String slot, String systemId, int pid) {
        update("INSERT INTO " + q + ".slot_intent (slot, source_system_id, walsender_pid) VALUES (?, ?, ?) "
                + "ON CONFLICT (slot) DO UPDATE SET source_system_id = excluded.source_system_id, "
                + "walsender_pid = excluded.walsender_pid, at = now()", slot, systemId, pid);
    }

    /** The intent a killed start left for {@code slot}, if any. */
    public Optional<SlotIntent> slotIntent(String slot) {
        try (PreparedStatement ps = c.prepareStatement("SELECT source_system_id, walsender_pid FROM " + q
                + ".slot_intent WHERE slot = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new SlotIntent(slot, rs.getString(1), rs.getInt(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
    }

    /** Why the last stream stopped, and when. */
    public record Stop(String reason, Instant at) {}

    /** Records why the stream stopped (one sentence), or clears it with null when a stream starts. */
    public void recordStop(String reason) {
        update("UPDATE " + q + ".run SET stop_reason = ?::text, stopped_at = CASE WHEN ?::text IS NULL THEN NULL "
                + "ELSE now() END",
                reason, reason);
    }

    /** Why the last stream stopped, when it stopped on a failure and has not streamed since. */
    public Optional<Stop> lastStop() {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT stop_reason, stopped_at FROM " + q + ".run WHERE stop_reason IS NOT NULL")) {
            return rs.next() ? Optional.of(new Stop(rs.getString(1), rs.getTimestamp(2).toInstant())) : Optional.empty();
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
    }

    public void setPhase(Phase phase) {
        update("UPDATE " + q + ".run SET phase = ?, updated_at = now()", phase.name());
    }

    public void setSnapshotName(String name) {
        update("UPDATE " + q + ".run SET snapshot_name = ?, updated_at = now()", name);
    }

    // ---- tables and chunks ----

    public void addTable(TableId source, TableId target) {
        update("INSERT INTO " + q + ".tables (source_schema, source_name, target_schema, target_name) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT DO NOTHING", source.schema(), source.name(), target.schema(), target.name());
    }

    /** Table name to state ({@code pending}, {@code copying}, {@code copied}, {@code indexed} ...). */
    public Map<TableId, String> tableStates() {
        Map<TableId, String> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT source_schema, source_name, state FROM " + q + ".tables ORDER BY 1, 2")) {
            while (rs.next()) {
                out.put(new TableId(rs.getString(1), rs.getString(2)), rs.getString(3));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        return out;
    }

    /** Each table of the run (source name) to its name on the target, as the transforms renamed it. */
    public Map<TableId, TableId> targetTables() {
        Map<TableId, TableId> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT source_schema, source_name, target_schema, target_name FROM " + q + ".tables ORDER BY 1, 2")) {
            while (rs.next()) {
                out.put(new TableId(rs.getString(1), rs.getString(2)), new TableId(rs.getString(3), rs.getString(4)));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        return out;
    }

    public void addChunks(List<ChunkState> chunks) {
        for (ChunkState ch : chunks) {
            update("INSERT INTO " + q + ".chunks (source_schema, source_name, chunk, kind, lower_bound, upper_bound) "
                    + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", ch.schema(), ch.table(), ch.chunk(), ch.kind(),
                    ch.lower(), ch.upper());
        }
    }

    /** Replaces all of a table's chunks, finished ones too: its rows on the target were removed to start over. */
    public void resetChunks(TableId table, List<ChunkState> chunks) {
        update("DELETE FROM " + q + ".chunks WHERE source_schema = ? AND source_name = ?", table.schema(), table.name());
        addChunks(chunks);
    }

    /**
     * Records that a table was (partly) copied from a fresh snapshot taken at {@code lsn}, after the exported one was
     * lost: it is consistent only once the stream has applied past that position.
     */
    public void setResyncLsn(TableId table, Lsn lsn) {
        update("UPDATE " + q + ".tables SET resync_lsn = greatest(resync_lsn, ?::pg_lsn) WHERE source_schema = ? "
                + "AND source_name = ?", lsn.toString(), table.schema(), table.name());
    }

    /** Tables copied in part from a fresh snapshot, with that snapshot's LSN. */
    public Map<TableId, Lsn> resyncLsns() {
        Map<TableId, Lsn> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT source_schema, source_name, "
                + "resync_lsn::text FROM " + q + ".tables WHERE resync_lsn IS NOT NULL ORDER BY 1, 2")) {
            while (rs.next()) {
                out.put(new TableId(rs.getString(1), rs.getString(2)), Lsn.parse(rs.getString(3)));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        return out;
    }

    /**
     * Records that every chunk not finished yet is copied under a fresh snapshot whose consistent point is
     * {@code lsn}; finished chunks keep the snapshot they were copied under.
     */
    public void setPendingSnapshotLsn(Lsn lsn) {
        update("UPDATE " + q + ".chunks SET snapshot_lsn = ?::pg_lsn WHERE NOT done", lsn.toString());
    }

    /**
     * Per table, the position its rows on the target were copied at when that is later than the slot's consistent
     * point: the stream must not apply this table's changes from source transactions whose commit LSN is at or
     * below it (the copy holds them already). It is the earliest snapshot any of the table's chunks was copied
     * under, so for a table copied under one fresh snapshot (always the case for a table without a key) it is
     * exactly that snapshot's consistent point. A table absent from the map has no floor.
     */
    public Map<TableId, Lsn> tableFloors() {
        Map<TableId, Lsn> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT source_schema, source_name, "
                + "min(coalesce(snapshot_lsn, r.consistent_lsn))::text FROM " + q + ".chunks CROSS JOIN " + q + ".run r "
                + "GROUP BY 1, 2, r.consistent_lsn HAVING min(coalesce(snapshot_lsn, r.consistent_lsn)) > r.consistent_lsn "
                + "ORDER BY 1, 2")) {
            while (rs.next()) {
                out.put(new TableId(rs.getString(1), rs.getString(2)), Lsn.parse(rs.getString(3)));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        return out;
    }

    /** Unique indexes of resynced tables, waiting for the stream to pass their table's position. */
    public DeferredIndexes deferredIndexes() {
        return new DeferredIndexes(c, q);
    }

    /** Records a table's copy as finished, with its totals. */
    public void finishTable(TableId table, long rows, long bytes, double seconds) {
        update("UPDATE " + q + ".tables SET state = 'copied', rows = ?, bytes = ?, seconds = ? WHERE source_schema = ? "
                + "AND source_name = ?", rows, bytes, seconds, table.schema(), table.name());
    }

    /** Adds {@code seconds} to the time recorded for a snapshot step (a resumed run adds its own). */
    public void addStepSeconds(SnapshotStep step, double seconds) {
        update("INSERT INTO " + q + ".steps (step, seconds) VALUES (?, ?) ON CONFLICT (step) DO UPDATE "
                + "SET seconds = steps.seconds + excluded.seconds, updated_at = now()", step.key(), seconds);
    }

    /** The seconds recorded per snapshot step, in step order; steps not reached are absent. */
    public Map<SnapshotStep, Double> stepSeconds() {
        return stepSeconds(c, q);
    }

    static Map<SnapshotStep, Double> stepSeconds(Connection c, String q) {
        Map<SnapshotStep, Double> out = new EnumMap<>(SnapshotStep.class);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT step, seconds FROM " + q + ".steps")) {
            while (rs.next()) {
                SnapshotStep s = SnapshotStep.ofKey(rs.getString(1));
                if (s != null) {
                    out.put(s, rs.getDouble(2));
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        return out;
    }

    public List<ChunkState> chunks() {
        List<ChunkState> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT source_schema, source_name, chunk, kind, lower_bound, upper_bound, done, rows, bytes FROM " + q
                        + ".chunks ORDER BY 1, 2, 3")) {
            while (rs.next()) {
                out.add(new ChunkState(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getBoolean(7), rs.getLong(8), rs.getLong(9)));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        return out;
    }

    /**
     * Marks a chunk copied. Call inside the transaction that committed its rows on {@code target}, so the
     * mark and the rows are durable together.
     */
    public static void recordChunkDone(Connection target, String schema, ChunkState chunk, long rows, long bytes)
            throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("UPDATE " + Identifiers.quote(schema) + ".chunks SET done = true, "
                + "rows = ?, bytes = ? WHERE source_schema = ? AND source_name = ? AND chunk = ?")) {
            ps.setLong(1, rows);
            ps.setLong(2, bytes);
            ps.setString(3, chunk.schema());
            ps.setString(4, chunk.table());
            ps.setInt(5, chunk.chunk());
            ps.executeUpdate();
        }
    }

    // ---- applied position ----

    /**
     * Records the source LSN whose effects {@code target}'s current transaction holds. Only ever call it inside
     * that transaction: the position and the data then commit or vanish together, which is what makes
     * redelivered changes recognisable. The position never moves backwards: a lower {@code lsn} leaves it where
     * it is (so a replay of old changes can never make the stream apply them a second time).
     */
    public static void recordApplied(Connection target, String schema, int worker, Lsn lsn, long changes)
            throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("INSERT INTO " + Identifiers.quote(schema)
                + ".applied (worker, lsn, changes) VALUES (?, ?::pg_lsn, ?) ON CONFLICT (worker) DO UPDATE SET lsn = "
                + "greatest(applied.lsn, excluded.lsn), changes = applied.changes + excluded.changes, updated_at = now()")) {
            ps.setInt(1, worker);
            ps.setString(2, lsn.toString());
            ps.setLong(3, changes);
            ps.executeUpdate();
        }
    }

    /** The position every apply worker has passed: the lowest of their recorded LSNs. */
    public Lsn appliedLsn() {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT min(lsn)::text FROM " + q + ".applied")) {
            rs.next();
            String v = rs.getString(1);
            return v == null ? Lsn.ZERO : Lsn.parse(v);
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
    }

    // ---- Debezium offsets ----

    public Map<String, String> offsets() {
        Map<String, String> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT key, value FROM " + q + ".offsets")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        return out;
    }

    public static void saveOffsets(Connection target, String schema, Map<String, String> offsets) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("INSERT INTO " + Identifiers.quote(schema)
                + ".offsets (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
            for (Map.Entry<String, String> e : offsets.entrySet()) {
                ps.setString(1, e.getKey());
                ps.setString(2, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    // ---- switch ----

    public Optional<String> switchState() {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT state FROM " + q + ".switch")) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
    }

    /** The fence LSN the current switch attempt recorded, if any. */
    public Optional<Lsn> switchFence() {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT fence_lsn::text FROM " + q + ".switch")) {
            return rs.next() && rs.getString(1) != null ? Optional.of(Lsn.parse(rs.getString(1))) : Optional.empty();
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
    }

    /** The switch attempt's recorded detail (JSON text), if any. */
    public Optional<String> switchDetail() {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT detail::text FROM " + q + ".switch")) {
            return rs.next() && rs.getString(1) != null ? Optional.of(rs.getString(1)) : Optional.empty();
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
    }

    public void setSwitchState(String state, Lsn fence, String detailJson) {
        update("INSERT INTO " + q + ".switch (state, fence_lsn, detail) VALUES (?, ?::pg_lsn, ?::jsonb) ON CONFLICT (id) DO UPDATE "
                + "SET state = excluded.state, fence_lsn = coalesce(excluded.fence_lsn, switch.fence_lsn), "
                + "detail = coalesce(excluded.detail, switch.detail), updated_at = now()",
                state, fence == null ? null : fence.toString(), detailJson);
    }

    /** Drops the whole state schema: the end of a run ({@code ferry cleanup}). */
    public void drop() {
        update("DROP SCHEMA " + q + " CASCADE");
    }

    private void update(String sql, Object... args) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw ServerErrors.during("writing the state store", "target", e);
        }
    }

    public static Timestamp now() {
        return new Timestamp(System.currentTimeMillis());
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing after a failure
        }
    }

    @Override
    public void close() {
        closeQuietly(c);
    }
}
