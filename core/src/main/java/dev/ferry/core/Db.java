package dev.ferry.core;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The one way Ferry opens a connection. Every session pins the settings that shape text values, so both
 * servers speak the same text whatever their configuration, and is immune to the server's
 * {@code statement_timeout} and {@code idle_in_transaction_session_timeout}: a long COPY must not be cut off.
 */
public final class Db {
    /**
     * Settings that decide how values print as text; both sides must agree or a compare sees false diffs.
     * {@code standard_conforming_strings} decides how a literal is read: {@code Identifiers.literal} doubles
     * quotes only, which is exact only when a backslash in a literal is an ordinary character.
     */
    public static final String PINNED_SETTINGS = String.join(";",
            "SET standard_conforming_strings = on",
            "SET DateStyle = 'ISO, MDY'",
            "SET IntervalStyle = 'postgres'",
            "SET TimeZone = 'UTC'",
            "SET extra_float_digits = 3",
            "SET bytea_output = 'hex'",
            "SET statement_timeout = 0",
            "SET idle_in_transaction_session_timeout = 0",
            "SET lock_timeout = 0");

    /** Seconds to wait for a TCP connection: an unreachable host is reported quickly, never a hang. */
    static final int CONNECT_TIMEOUT_SECONDS = 5;

    private Db() {}

    /**
     * Opens a normal SQL connection in autocommit mode.
     *
     * @param role    {@code source} or {@code target}: only used in messages
     * @param purpose a short word shown in {@code pg_stat_activity.application_name}, e.g. {@code copy}
     * @throws FerryException (code SERVER) with one sentence when the server refuses or cannot be reached
     */
    public static Connection open(ConnectionSpec spec, String role, String purpose) {
        return connect(spec, role, properties(spec, purpose));
    }

    /**
     * Opens a normal SQL connection, as {@link #open}, for a session that mostly reads one bulk stream (a
     * {@code COPY ... TO STDOUT}): its socket reads through a large buffer ({@link BulkReadSockets}).
     */
    public static Connection openBulkReader(ConnectionSpec spec, String role, String purpose) {
        Properties p = properties(spec, purpose);
        p.setProperty("socketFactory", BulkReadSockets.class.getName());
        return connect(spec, role, p);
    }

    /** Opens a logical replication connection ({@code replication=database}), for slot commands. */
    public static Connection openReplication(ConnectionSpec spec, String role, String purpose) {
        Properties p = properties(spec, purpose);
        p.setProperty("replication", "database");
        p.setProperty("preferQueryMode", "simple");
        return connect(spec, role, p);
    }

    private static Connection connect(ConnectionSpec spec, String role, Properties p) {
        try {
            Connection c = DriverManager.getConnection(jdbcUrl(spec), p);
            try (Statement s = c.createStatement()) {
                s.execute(PINNED_SETTINGS);
            }
            return c;
        } catch (SQLException e) {
            throw ServerErrors.onConnect(spec, role, e);
        }
    }

    public static String jdbcUrl(ConnectionSpec spec) {
        String host = spec.host().contains(":") ? "[" + spec.host() + "]" : spec.host();
        return "jdbc:postgresql://" + host + ':' + spec.port() + '/';
    }

    /** pgjdbc properties for a spec; also used to hand the same connection settings to Debezium. */
    public static Properties properties(ConnectionSpec spec, String purpose) {
        Properties p = new Properties();
        p.setProperty("PGDBNAME", spec.database());
        p.setProperty("user", spec.user());
        if (spec.password() != null) {
            p.setProperty("password", spec.password());
        }
        p.setProperty("ApplicationName", spec.params().getOrDefault("application_name", "ferry " + purpose));
        // Any server Ferry works with (logical decoding: 9.4 or later) takes application_name and
        // extra_float_digits in the startup packet; otherwise pgjdbc sets them in a query of their own, a round
        // trip on every connection, and a replication connection needs it to skip its version queries.
        p.setProperty("assumeMinServerVersion", "9.4");
        p.setProperty("connectTimeout", spec.params().getOrDefault("connect_timeout",
                String.valueOf(CONNECT_TIMEOUT_SECONDS)));
        p.setProperty("loginTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS * 2));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("reWriteBatchedInserts", "true");
        for (String k : new String[] {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "options"}) {
            String v = spec.params().get(k);
            if (v != null) {
                p.setProperty(k, v);
            }
        }
        String attrs = spec.params().get("target_session_attrs");
        if (attrs != null) {
            p.setProperty("targetServerType", switch (attrs) {
                case "read-write", "primary" -> "primary";
                case "read-only", "standby" -> "secondary";
                default -> "any";
            });
        }
        return p;
    }

    /** True when the failure is a network-level one worth retrying (the server may come back). */
    public static boolean isConnectionLoss(SQLException e) {
        String state = e.getSQLState();
        if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03"))) {
            return true;
        }
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof SocketTimeoutException
                    || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                    || t instanceof java.io.EOFException || t instanceof java.net.SocketException) {
                return true;
            }
        }
        return false;
    }
}
