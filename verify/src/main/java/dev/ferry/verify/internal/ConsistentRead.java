package dev.ferry.verify.internal;

import dev.ferry.core.Lsn;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A read-only REPEATABLE READ transaction on one side: every query in it, and every worker that imports its
 * exported snapshot, sees the table as it was at one instant. On the source it also records the WAL position
 * of that instant, read in the same statement that takes the snapshot, so the target can be read once the
 * stream has applied up to it.
 */
final class ConsistentRead implements AutoCloseable {
    private final Side side;
    final Connection connection;
    /** The exported snapshot's name, or null when not exported. */
    final String snapshot;
    /** The source position of the snapshot, or null when not asked for. */
    final Lsn lsn;

    private ConsistentRead(Side side, Connection connection, String snapshot, Lsn lsn) {
        this.side = side;
        this.connection = connection;
        this.snapshot = snapshot;
        this.lsn = lsn;
    }

    static ConsistentRead begin(Side side, boolean export, boolean withLsn) throws SQLException, InterruptedException {
        Connection c = side.readers.borrow();
        try {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                // The first query takes the snapshot; the position is read by that same query. A commit landing
                // between the two is seen on one side only: the re-checks absorb such rare edges.
                String sql = "SELECT " + (export ? "pg_export_snapshot()" : "NULL") + ", "
                        + (withLsn ? "(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
                        + "ELSE pg_current_wal_lsn() END)::text" : "NULL");
                try (ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    String lsn = rs.getString(2);
                    return new ConsistentRead(side, c, rs.getString(1), lsn == null ? null : Lsn.parse(lsn));
                }
            }
        } catch (SQLException e) {
            side.readers.release(c);
            throw side.failure("starting a consistent read", e);
        } catch (RuntimeException e) {
            side.readers.release(c);
            throw e;
        }
    }

    /** Opens a worker transaction that sees exactly this snapshot. */
    static void importInto(Connection worker, String snapshot) throws SQLException {
        worker.setAutoCommit(false);
        try (Statement st = worker.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            st.execute("SET TRANSACTION SNAPSHOT " + dev.ferry.transforms.Identifiers.literal(snapshot));
        }
    }

    @Override
    public void close() {
        side.readers.release(connection); // rolls the read-only transaction back: nothing to keep
    }
}
