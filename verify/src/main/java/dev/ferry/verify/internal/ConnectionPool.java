package dev.ferry.verify.internal;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * At most {@code max} connections to one server, opened on first need (a small table never opens more than
 * one) and closed together. Thread-safe. A borrowed connection is in autocommit mode with no open transaction;
 * whoever borrows it returns it so, or discards it.
 */
final class ConnectionPool implements AutoCloseable {
    private final ConnectionSpec spec;
    private final String role;
    private final String purpose;
    private final int max;
    private final BlockingQueue<Connection> idle = new LinkedBlockingQueue<>();
    private final List<Connection> all = new ArrayList<>();

    ConnectionPool(ConnectionSpec spec, String role, String purpose, int max) {
        this.spec = spec;
        this.role = role;
        this.purpose = purpose;
        this.max = max;
    }

    Connection borrow() throws InterruptedException {
        Connection c = idle.poll();
        if (c != null) {
            return c;
        }
        synchronized (all) {
            if (all.size() < max) {
                c = Db.open(spec, role, purpose);
                all.add(c);
                return c;
            }
        }
        return idle.take();
    }

    /** Returns a connection; one left in a failed state is closed and replaced on the next borrow. */
    void release(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            idle.add(c);
        } catch (SQLException e) {
            synchronized (all) {
                all.remove(c);
            }
            closeQuietly(c);
        }
    }

    @Override
    public void close() {
        synchronized (all) {
            all.forEach(ConnectionPool::closeQuietly);
            all.clear();
        }
        idle.clear();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
