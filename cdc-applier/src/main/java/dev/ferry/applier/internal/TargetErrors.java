package dev.ferry.applier.internal;

import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * What a failed statement on the target means for the stream, in one sentence that names the table and the rows
 * by their keys and never prints other values: not the statement (pgjdbc quotes a failed batch entry with its
 * parameters), not a DETAIL that shows the row ("Failing row contains (...)" of a CHECK or NOT NULL violation).
 */
final class TargetErrors {
    /** Deadlock, serialization failure, lock timeout: another session's doing, gone on a second try. */
    static final Set<String> CONFLICTS = Set.of("40P01", "40001", "55P03");

    private TargetErrors() {}

    /**
     * @param rows the rows of the failed statement, or empty when not known
     * @return {@link TargetWriter.TargetUnavailable} when the connection is gone, {@link TargetWriter.TargetConflict}
     *         for a conflict with another session, otherwise a {@link FerryException} saying the target refused it
     */
    static RuntimeException describe(SQLException e, TableId table, List<Row> rows) {
        SQLException cause = e instanceof BatchUpdateException && e.getNextException() != null ? e.getNextException() : e;
        if (Db.isConnectionLoss(cause) || Db.isConnectionLoss(e)) {
            return new TargetWriter.TargetUnavailable(cause);
        }
        String what = serverMessage(cause);
        if (CONFLICTS.contains(cause.getSQLState())) {
            return new TargetWriter.TargetConflict(table + ": " + what, cause);
        }
        String detail = cause instanceof PSQLException p && p.getServerErrorMessage() != null
                ? p.getServerErrorMessage().getDetail() : null;
        // A unique or foreign-key violation's detail names the key ("Key (code)=(7) already exists."): keep it.
        String keyDetail = detail != null && detail.startsWith("Key (") ? " (" + detail.strip() + ")" : "";
        return new FerryException(ExitCode.SERVER, "the target refused a change of " + table + keys(rows) + ": " + what
                + keyDetail + "; fix the cause on the target (or the source), then run the same command again (the "
                + "position is kept)", cause);
    }

    /** The server's primary message alone: pgjdbc's own text may add the detail, a hint or the statement. */
    private static String serverMessage(SQLException e) {
        ServerErrorMessage m = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
        if (m != null && m.getMessage() != null) {
            return m.getMessage() + (m.getSQLState() == null ? "" : " (SQLSTATE " + m.getSQLState() + ")");
        }
        String text = String.valueOf(e.getMessage());
        int cut = text.indexOf('\n');
        return (cut < 0 ? text : text.substring(0, cut)) + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")");
    }

    private static String keys(List<Row> rows) {
        if (rows == null || rows.isEmpty()) {
            return "";
        }
        if (rows.size() == 1) {
            return " (" + rows.get(0).describeKey() + ")";
        }
        return " (one of " + rows.size() + " rows written together, " + rows.get(0).describeKey() + " to "
                + rows.get(rows.size() - 1).describeKey() + ")";
    }
}
