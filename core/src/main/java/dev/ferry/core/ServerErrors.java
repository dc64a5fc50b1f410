package dev.ferry.core;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;

/** Turns driver failures into one sentence that names the server, the problem and the fix. */
public final class ServerErrors {
    private ServerErrors() {}

    static FerryException onConnect(ConnectionSpec spec, String role, SQLException e) {
        String where = "the " + role + " " + spec.address();
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        Throwable root = rootCause(e);
        String sentence;
        if (state.equals("28P01") || (state.equals("28000") && text(e).contains("password"))) {
            sentence = "password authentication failed for user \"" + spec.user() + "\" on " + where
                    + "; check the password in the URI, PGPASSWORD or ~/.pgpass";
        } else if (state.equals("28000")) {
            sentence = where + " refused user \"" + spec.user() + "\" (" + firstLine(e) + "); allow it in pg_hba.conf";
        } else if (state.equals("3D000")) {
            sentence = "database \"" + spec.database() + "\" does not exist on the " + role + " "
                    + spec.host() + ':' + spec.port() + "; create it or fix the URI";
        } else if (state.equals("53300")) {
            sentence = where + " has no free connection slots; raise max_connections or lower --jobs";
        } else if (state.equals("57P03")) {
            sentence = where + " is starting up or shutting down; try again when it accepts connections";
        } else if (root instanceof UnknownHostException) {
            sentence = "cannot resolve host \"" + spec.host() + "\" of the " + role + "; check the URI";
        } else if (root instanceof ConnectException || root instanceof NoRouteToHostException) {
            sentence = "cannot reach " + where + " (" + root.getMessage() + "); check the host and port and that "
                    + "PostgreSQL is running and listening there";
        } else if (root instanceof SocketTimeoutException || text(e).contains("timed out")) {
            sentence = "cannot reach " + where + " within " + Db.CONNECT_TIMEOUT_SECONDS
                    + " s; check the host, the port and any firewall in between";
        } else if (state.startsWith("08") && text(e).toLowerCase().contains("ssl")) {
            sentence = "TLS connection to " + where + " failed (" + firstLine(e) + "); check sslmode and the "
                    + "certificate files in the URI";
        } else {
            sentence = "cannot connect to " + where + ": " + firstLine(e);
        }
        return FerryException.server(sentence, e);
    }

    /** A failure while working on an open connection: one sentence with the server's own words. */
    public static FerryException during(String what, String role, SQLException e) {
        return FerryException.server(what + " failed on the " + role + ": " + firstLine(e), e);
    }

    public static String firstLine(Throwable e) {
        String m = text(e);
        int nl = m.indexOf('\n');
        return (nl >= 0 ? m.substring(0, nl) : m).strip();
    }

    private static String text(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
