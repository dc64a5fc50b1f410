package dev.ferry.snapshot.internal;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A snapshot that other sessions can import, held open by its exporting session. The snapshot exists only while
 * that session lives and runs no other command: {@link #release()} ends it, after which nobody can import it
 * (sessions that already did keep it).
 *
 * @param lsn the WAL position the snapshot shows: the slot's consistent point, or for a fresh snapshot
 *            {@code pg_current_wal_lsn()} taken inside it
 */
public record ExportedSnapshot(String name, Lsn lsn, Connection exporter) {

    /**
     * Exports a fresh snapshot from an ordinary session (REPEATABLE READ + {@code pg_export_snapshot()}): what a
     * resumed copy uses once the slot's snapshot is gone.
     */
    public static ExportedSnapshot fresh(ConnectionSpec source) {
        Connection c = Db.open(source, "source", "export");
        try {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_export_snapshot(), pg_current_wal_lsn()::text")) {
                rs.next();
                return new ExportedSnapshot(rs.getString(1), Lsn.parse(rs.getString(2)), c);
            }
        } catch (SQLException e) {
            closeQuietly(c);
            throw ServerErrors.during("exporting a snapshot", "source", e);
        }
    }

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
