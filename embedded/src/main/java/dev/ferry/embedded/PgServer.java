package dev.ferry.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A throwaway PostgreSQL server on a free loopback port, with a superuser {@code postgres} that logs in
 * without a password. Closing it stops the server and deletes its files, even after a failed test.
 */
public abstract class PgServer implements AutoCloseable {
    private final String name;

    protected PgServer(String name) {
        this.name = name;
    }

    /** {@code source} or {@code target}, for logs. */
    public String name() {
        return name;
    }

    public String host() {
        return "127.0.0.1";
    }

    public abstract int port();

    /** The server's major version, e.g. 15. */
    public abstract int majorVersion();

    /** The data directory, for tests that edit pg_hba.conf or fill a disk. */
    public abstract Path dataDir();

    /** Stops and starts the server on the same port with the same data (a source restart). */
    public abstract void restart();

    /** Stops the server without deleting its data; {@link #restart()} brings it back. */
    public abstract void stop();

    public String uri(String database) {
        return uri("postgres", null, database);
    }

    public String uri() {
        return uri("postgres");
    }

    public String uri(String user, String password, String database) {
        return "postgresql://" + user + (password == null ? "" : ":" + password) + "@" + host() + ":" + port()
                + "/" + database;
    }

    /** A superuser connection to {@code database}. */
    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://" + host() + ":" + port() + "/" + database, p);
    }

    /** Runs SQL (several statements allowed) as superuser in the {@code postgres} database. */
    public void execute(String sql) {
        execute("postgres", sql);
    }

    public void execute(String database, String sql) {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    /** Runs a query and returns every row, each column as text (NULL as null). */
    public List<List<String>> query(String database, String sql) {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<List<String>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        }
    }

    /** The first column of the first row, or null. */
    public String queryValue(String database, String sql) {
        List<List<String>> rows = query(database, sql);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    /**
     * Creates (or resets) a login role that must give {@code password} over TCP, for tests of
     * authentication failures; everyone else keeps trust authentication.
     */
    public void requirePassword(String user, String password, boolean superuser) {
        execute("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + user + "') THEN CREATE ROLE \""
                + user + "\" LOGIN; END IF; END$$; ALTER ROLE \"" + user + "\" " + (superuser ? "SUPERUSER" : "")
                + " LOGIN PASSWORD '" + password.replace("'", "''") + "'");
        Path hba = dataDir().resolve("pg_hba.conf");
        try {
            String current = Files.readString(hba);
            String line = "host all " + user + " 127.0.0.1/32 scram-sha-256\n";
            if (!current.contains(line)) {
                Files.writeString(hba, line + current);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot edit " + hba + ": " + e.getMessage(), e);
        }
        execute("SELECT pg_reload_conf()");
    }

    @Override
    public abstract void close();

    @Override
    public String toString() {
        return name + " PostgreSQL " + majorVersion() + " on " + host() + ":" + port();
    }
}
