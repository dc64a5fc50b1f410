package dev.ferry.verify.internal;

import dev.ferry.core.ConnectionSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One server being compared: connections that hold a table's snapshot ({@link #readers}), connections that
 * scan pieces of a table under that snapshot ({@link #workers}), and the threads those scans run on.
 * Both pools are {@code jobs} wide; a reader waits on workers, never the other way round, so they cannot
 * starve each other.
 */
public final class Side implements AutoCloseable {
    final String role;
    final ConnectionPool readers;
    final ConnectionPool workers;
    final ExecutorService threads;
    /** {@code server_version_num}; TID range scans (ctid chunks) need 14 or later. */
    final int version;
    /** {@code server_encoding}, to decide whether text hashes of both servers can be compared. */
    final String encoding;
    /** Connections per pool: how many pieces of one table are scanned at once. */
    final int jobs;

    public Side(ConnectionSpec spec, String role, int jobs) {
        this.role = role;
        this.jobs = jobs;
        this.readers = new ConnectionPool(spec, role, "verify", jobs);
        this.workers = new ConnectionPool(spec, role, "verify", jobs);
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "verify-" + role + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            Connection c = readers.borrow();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT current_setting('server_version_num')::int, current_setting('server_encoding')")) {
                rs.next();
                this.version = rs.getInt(1);
                this.encoding = rs.getString(2);
            } finally {
                readers.release(c);
            }
        } catch (SQLException e) {
            close();
            throw dev.ferry.core.ServerErrors.during("reading the server version", role, e);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public String role() {
        return role;
    }

    /** A failure on this server as one sentence naming it. */
    dev.ferry.core.FerryException failure(String what, SQLException e) {
        return dev.ferry.core.ServerErrors.during(what, role, e);
    }

    /** The value of {@code sql} (one row, one column) on a reader connection. */
    String queryOne(String sql) throws SQLException, InterruptedException {
        Connection c = readers.borrow();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } finally {
            readers.release(c);
        }
    }

    @Override
    public void close() {
        threads.shutdownNow();
        workers.close();
        readers.close();
    }
}
