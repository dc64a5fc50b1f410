package dev.ferry.core.inplace;

import dev.ferry.core.Db;
import dev.ferry.core.Lsn;
import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The lag of an in-place run: the distance from the stream's position to the last change of the original tables,
 * not to the end of WAL (Ferry's own writes to the shadows add WAL after every change it applies, so that distance
 * never reaches zero). The last such change is found by decoding, on a temporary copy of the run's slot (so the
 * run's slot is not moved), the WAL the stream has not confirmed, through the run's publication, which filters out
 * everything but the originals. The copy and the decoding cost the source work in proportion to the lag; status
 * asks on demand only.
 */
public final class InPlaceLag {
    private InPlaceLag() {}

    /**
     * @param stateSchema the run's state schema, in the same database: the stream's position is read from it after
     *                    the decoding, so what it applied meanwhile counts
     * @return bytes from the stream's position to the last change of the originals; 0 when the stream has it
     */
    public static long read(ConnectionSpec source, String slot, String publication, String stateSchema) {
        String copy = "ferry_lag_" + ProcessHandle.current().pid();
        try (Connection c = Db.open(source, "source", "status"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_copy_logical_replication_slot(" + Identifiers.literal(slot) + ", "
                    + Identifiers.literal(copy) + ", true)");
            // Change messages only: pgoutput's Insert, Update, Delete and Truncate.
            try (ResultSet rs = s.executeQuery("SELECT max(lsn)::text FROM pg_logical_slot_peek_binary_changes("
                    + Identifiers.literal(copy) + ", NULL, NULL, 'proto_version', '1', 'publication_names', "
                    + Identifiers.literal(publication) + ") WHERE get_byte(data, 0) IN (73, 85, 68, 84)")) {
                rs.next();
                String last = rs.getString(1);
                if (last == null) {
                    return 0;
                }
                try (ResultSet p = s.executeQuery("SELECT greatest((SELECT min(lsn) FROM " + Identifiers.quote(stateSchema)
                        + ".applied), (SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = "
                        + Identifiers.literal(slot) + "))::text")) {
                    p.next();
                    Lsn position = p.getString(1) == null ? Lsn.parse("0/0") : Lsn.parse(p.getString(1));
                    return Math.max(0, Lsn.parse(last).bytesSince(position));
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("measuring the in-place lag", "source", e);
        }
    }
}
