package dev.ferry.snapshot.internal;

import dev.ferry.core.Lsn;
import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A snapshot that other sessions can import, held open by its exporting session. The snapshot exists only while
 * that session lives and runs no other command: {@link #release()} ends it, after which nobody can import it
 * (sessions that already did keep it).
 *
 * @param lsn      the consistent point of the slot that exported it: the snapshot sees exactly the transactions
 *                 whose commit record ends at or before this position
 * @param exporter the replication connection that created the slot (for a temporary slot, closing it drops the
 *                 slot too)
 */
public record ExportedSnapshot(String name, Lsn lsn, Connection exporter) {

    /**
     * Starts a REPEATABLE READ transaction on {@code c} that sees exactly {@code snapshot}. Returns false when the
     * snapshot no longer exists (its exporting session ended), leaving {@code c} usable.
     */
    public static boolean importInto(Connection c, String snapshot) throws SQLException {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try (Statement st = c.createStatement()) {
            // Must be the transaction's first statement: pgjdbc's implicit BEGIN precedes it, nothing else.
            st.execute("SET TRANSACTION SNAPSHOT " + Identifiers.literal(snapshot));
            return true;
        } catch (SQLException e) {
            c.rollback();
            c.setAutoCommit(true);
            if ("22023".equals(e.getSQLState()) || "42704".equals(e.getSQLState())) {
                return false; // invalid snapshot identifier: the exporter is gone
            }
            throw e;
        }
    }

    /** Ends the exporting session: the snapshot can no longer be imported. Idempotent. */
    public void release() {
        closeQuietly(exporter);
    }

    /** Closes a session being abandoned, ignoring failures. */
    public static void closeQuietly(Connection c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (SQLException ignored) {
            // the session is being abandoned anyway
        }
    }
}
