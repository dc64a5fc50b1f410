package dev.ferry.switchover.internal;

import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/** The switch's one look at the run's replication slot: that it exists, is intact, is read, and how far. */
public final class SlotHealth {
    /** What the source says about the slot now. */
    public record Reading(Lsn current, Lsn confirmed, boolean active) {}

    private SlotHealth() {}

    /**
     * Reads the slot, failing with the sentence a user needs when it is gone, lost or has no reader. A stream
     * between two connections (its pause after a lost connection, or an engine restarting) leaves the slot without
     * a reader for a moment, so a missing reader is awaited for up to {@code patience} before it is an error.
     */
    public static Reading require(Connection source, String slot, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        Reading r = read(source, slot);
        while (!r.active() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            r = read(source, slot);
        }
        if (!r.active()) {
            throw new FerryException(ExitCode.USAGE, "nothing is streaming: slot \"" + slot + "\" has had no "
                    + "reader for " + patience.toSeconds() + " s; start \"ferry stream\" (or \"ferry start\"), wait for "
                    + "lag to reach zero, then switch");
        }
        return r;
    }

    /** Like {@link #require} but a slot without a reader is not an error. */
    public static Reading read(Connection source, String slot) {
        try (PreparedStatement ps = source.prepareStatement("SELECT pg_current_wal_lsn()::text, "
                + "coalesce(confirmed_flush_lsn, '0/0')::text, active, wal_status FROM pg_replication_slots "
                + "WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new FerryException(ExitCode.USAGE, "replication slot \"" + slot + "\" does not exist on the "
                            + "source; the run cannot be switched (start over with \"ferry start\")");
                }
                if ("lost".equals(rs.getString(4))) {
                    throw new FerryException(ExitCode.USAGE, "replication slot \"" + slot + "\" was invalidated on the "
                            + "source (wal_status = lost), so changes are missing; the run cannot be switched (start "
                            + "over with \"ferry cleanup\", then \"ferry start\")");
                }
                return new Reading(Lsn.parse(rs.getString(1)), Lsn.parse(rs.getString(2)), rs.getBoolean(3));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the replication slot", "source", e);
        }
    }
}
