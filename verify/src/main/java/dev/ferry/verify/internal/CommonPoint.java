package dev.ferry.verify.internal;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.StateStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Lets verify read the target only once the stream has applied everything the source had at the moment the
 * source side was read, so source and target are compared at (nearly) the same point while changes flow.
 *
 * <p>Evidence that the target holds every change before a source position {@code L}, either of:
 * <ul>
 *   <li>the applied LSN in the state store (the lowest over apply workers) is at or past {@code L}: it is
 *       committed in the same target transaction as the data it describes;</li>
 *   <li>the run's slot on the source has {@code confirmed_flush_lsn} at or past {@code L}: Ferry confirms a
 *       position to the slot only after the target committed it, so nothing before it is undelivered. This is
 *       what moves on an idle source when the stream confirms keep-alive positions.</li>
 * </ul>
 * The applier only records a position when a change to a migrated table commits, so on a source where nothing
 * relevant is written the recorded position may stay behind {@code pg_current_wal_lsn()} for ever. Hence the
 * third way out: when the applied position has not moved for {@link #QUIET} and the slot's walsender has sent
 * past {@code L}, the applier has nothing to do and the target is read anyway. The walsender's condition keeps a
 * stream that lags from passing for idle: decoding a backlog, it has not sent {@code L} yet, while the applied
 * position may stand still for a second between two large target commits (a lagging in-place stream under
 * writers once had verify report a shadow's leaves hundreds of rows short). If the guess is still wrong (a change
 * was just about to be applied) the row shows up as a mismatch, and the fresh re-reads of every mismatch, each
 * waiting again, absorb it; a report that still differs after those was read while the stream lagged, which the
 * outcome lets the caller say.
 *
 * <p>Thread-safe: the position is polled under a lock, waits sleep outside it.
 */
public final class CommonPoint implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CommonPoint.class);
    /** How long an unmoving applied position means an idle applier. */
    static final Duration QUIET = Duration.ofSeconds(1);

    public enum Outcome {
        /** No stream is recorded on the target: nothing to wait for. */
        NOT_STREAMING,
        /** The target holds every change up to the position. */
        REACHED,
        /** The applier was idle; the target was read anyway. */
        QUIET,
        /** The stream did not reach the position in time; the target was read anyway. */
        TIMED_OUT
    }

    private final StateStore store;
    private final Connection source;
    private final String slot;
    private final Duration maxWait;
    private Lsn lastApplied;
    private long lastMoveNanos;

    private CommonPoint(StateStore store, Connection source, String slot, Duration maxWait) {
        this.store = store;
        this.source = source;
        this.slot = slot;
        this.maxWait = maxWait;
    }

    /** Finds the stream recorded in the target's state schema; without one, {@link #live()} is false. */
    public static CommonPoint open(ConnectionSpec sourceSpec, ConnectionSpec target, String schema, Duration maxWait) {
        Optional<StateStore> found = StateStore.openExisting(target, schema);
        if (found.isEmpty()) {
            return new CommonPoint(null, null, null, maxWait);
        }
        StateStore store = found.get();
        try {
            String slot = store.run().map(RunInfo::slot).orElse(null);
            Connection src = slot == null ? null : Db.open(sourceSpec, "source", "verify");
            return new CommonPoint(store, src, slot, maxWait);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** True when a stream's position is recorded on the target, so reads must meet at a common point. */
    public boolean live() {
        return store != null;
    }

    /** Waits until the target holds every change up to {@code lsn}, or the applier idles, or time runs out. */
    public Outcome await(Lsn lsn) throws InterruptedException {
        if (store == null) {
            return Outcome.NOT_STREAMING;
        }
        long start = System.nanoTime();
        Outcome outcome = waitFor(lsn, start);
        LOG.debug("waited {} ms for the stream to apply {}: {}", (System.nanoTime() - start) / 1_000_000, lsn, outcome);
        return outcome;
    }

    private Outcome waitFor(Lsn lsn, long start) throws InterruptedException {
        long pause = 5;
        while (true) {
            if (poll(lsn)) {
                return Outcome.REACHED;
            }
            long now = System.nanoTime();
            if (now - quietSince() >= QUIET.toNanos() && decoderPassed(lsn)) {
                return Outcome.QUIET;
            }
            if (now - start >= maxWait.toNanos()) {
                return Outcome.TIMED_OUT;
            }
            Thread.sleep(pause);
            pause = Math.min(100, pause * 2);
        }
    }

    private synchronized long quietSince() {
        return lastMoveNanos;
    }

    /** Reads the positions once; true when they prove {@code lsn} applied. */
    private synchronized boolean poll(Lsn lsn) {
        Lsn applied = store.appliedLsn();
        long now = System.nanoTime();
        if (lastApplied == null || !applied.equals(lastApplied)) {
            lastApplied = applied;
            lastMoveNanos = now;
        }
        if (!lsn.isAfter(applied)) {
            return true;
        }
        return slot != null && !lsn.isAfter(confirmedFlush());
    }

    /**
     * True when the slot's walsender has sent WAL past {@code lsn}, or when that cannot be known: no slot, no
     * walsender (nothing streams, so waiting gains nothing), or {@code pg_stat_replication} hiding its positions
     * from a role without {@code pg_read_all_stats}.
     */
    private synchronized boolean decoderPassed(Lsn lsn) {
        if (slot == null) {
            return true;
        }
        try (PreparedStatement ps = source.prepareStatement("SELECT r.sent_lsn::text FROM pg_replication_slots s "
                + "JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return !rs.next() || rs.getString(1) == null || !lsn.isAfter(Lsn.parse(rs.getString(1)));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the replication slot \"" + slot + "\"'s walsender", "source", e);
        }
    }

    private Lsn confirmedFlush() {
        try (PreparedStatement ps = source.prepareStatement(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1) != null ? Lsn.parse(rs.getString(1)) : Lsn.ZERO;
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the replication slot \"" + slot + "\"", "source", e);
        }
    }

    /** The applied position last seen, for messages. */
    public synchronized Lsn applied() {
        return lastApplied == null ? Lsn.ZERO : lastApplied;
    }

    @Override
    public void close() {
        try {
            if (source != null) {
                source.close();
            }
        } catch (SQLException ignored) {
            // closing anyway
        } finally {
            if (store != null) {
                store.close();
            }
        }
    }
}
