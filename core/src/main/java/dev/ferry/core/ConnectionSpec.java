package dev.ferry.core;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Where a server is and who to be there, parsed from a libpq-style URI
 * ({@code postgresql://user:password@host:port/db?sslmode=verify-full&sslrootcert=ca.pem}).
 * Immutable. {@link #toString()} and {@link #redacted()} never show the password.
 */
public final class ConnectionSpec {
    /** libpq URI parameters Ferry honours; anything else is a usage error rather than silently ignored. */
    static final Set<String> KNOWN_PARAMS = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword",
            "connect_timeout", "application_name", "target_session_attrs", "options", "host", "port", "user",
            "password", "dbname");

    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final String password;
    private final Map<String, String> params;

    private ConnectionSpec(String host, int port, String database, String user, String password,
                           Map<String, String> params) {
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public static ConnectionSpec of(String host, int port, String database, String user, String password) {
        return new ConnectionSpec(host, port, database, user, password, Map.of());
    }

    /**
     * Parses a {@code postgresql://} or {@code postgres://} URI. Missing parts take libpq's defaults:
     * host localhost, port 5432, user from {@code PGUSER} or the OS user, database named like the user.
     */
    public static ConnectionSpec parse(String uri) {
        String rest;
        if (uri.startsWith("postgresql://")) {
            rest = uri.substring("postgresql://".length());
        } else if (uri.startsWith("postgres://")) {
            rest = uri.substring("postgres://".length());
        } else {
            throw FerryException.usage("\"" + redactUri(uri) + "\" is not a connection URI; write it as "
                    + "postgresql://user@host:port/database");
        }
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String path = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            path = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
        }
        String userInfo = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
        }
        String user = null;
        String password = null;
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
            password = colon >= 0 ? decode(userInfo.substring(colon + 1)) : null;
        }
        String host = "localhost";
        int port = 5432;
        if (!rest.isEmpty()) {
            String hostPart = rest;
            String portPart = null;
            if (hostPart.startsWith("[")) {
                int close = hostPart.indexOf(']');
                if (close < 0) {
                    throw FerryException.usage("unbalanced [ in the host of " + redactUri(uri));
                }
                portPart = hostPart.length() > close + 1 && hostPart.charAt(close + 1) == ':'
                        ? hostPart.substring(close + 2) : null;
                hostPart = hostPart.substring(1, close);
            } else {
                int colon = hostPart.lastIndexOf(':');
                if (colon >= 0) {
                    portPart = hostPart.substring(colon + 1);
                    hostPart = hostPart.substring(0, colon);
                }
            }
            if (hostPart.contains(",")) {
                throw FerryException.usage("several hosts in one URI are not supported; give Ferry the primary's "
                        + "address");
            }
            if (!hostPart.isEmpty()) {
                host = decode(hostPart);
            }
            if (portPart != null && !portPart.isEmpty()) {
                port = parsePort(portPart, uri);
            }
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq >= 0 ? pair.substring(0, eq) : pair);
            String v = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
            if (!KNOWN_PARAMS.contains(k)) {
                throw FerryException.usage("unknown connection parameter \"" + k + "\" in " + redactUri(uri)
                        + "; Ferry understands " + String.join(", ", new java.util.TreeSet<>(KNOWN_PARAMS)));
            }
            switch (k) {
                case "host" -> host = v;
                case "port" -> port = parsePort(v, uri);
                case "user" -> user = v;
                case "password" -> password = v;
                case "dbname" -> path = v;
                default -> params.put(k, v);
            }
        }
        if (user == null || user.isEmpty()) {
            user = System.getenv().getOrDefault("PGUSER", System.getProperty("user.name"));
        }
        String database = path.isEmpty() ? user : decode(path);
        return new ConnectionSpec(host, port, database, user, password, params);
    }

    private static int parsePort(String text, String uri) {
        try {
            int p = Integer.parseInt(text);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw FerryException.usage("\"" + text + "\" is not a port number in " + redactUri(uri));
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Hides the password of a URI that may not even parse, for error messages. */
    public static String redactUri(String uri) {
        // Greedy up to the last '@' of the authority: an unencoded '@' inside the password must not leak its tail.
        return uri.replaceAll("(://[^:/@?]*:)[^/?]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String database() {
        return database;
    }

    public String user() {
        return user;
    }

    /** The password, or null when none was given anywhere. Never print it. */
    public String password() {
        return password;
    }

    public Map<String, String> params() {
        return params;
    }

    public boolean hasPassword() {
        return password != null;
    }

    public ConnectionSpec withPassword(String newPassword) {
        return new ConnectionSpec(host, port, database, user, newPassword, params);
    }

    public ConnectionSpec withDatabase(String newDatabase) {
        return new ConnectionSpec(host, port, newDatabase, user, password, params);
    }

    public ConnectionSpec withParam(String key, String value) {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.put(key, value);
        return new ConnectionSpec(host, port, database, user, password, p);
    }

    /** host:port/database, for sentences. */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ':' + port + '/' + database;
    }

    /** The URI with the password replaced by {@code ***}: safe for logs, status output and the state store. */
    public String redacted() {
        StringBuilder sb = new StringBuilder("postgresql://").append(encode(user));
        if (password != null) {
            sb.append(":***");
        }
        sb.append('@').append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port)
                .append('/').append(encode(database));
        String sep = "?";
        for (Map.Entry<String, String> e : params.entrySet()) {
            String v = e.getKey().equals("sslpassword") ? "***" : encode(e.getValue());
            sb.append(sep).append(e.getKey()).append('=').append(v);
            sep = "&";
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return redacted();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConnectionSpec c && c.host.equals(host) && c.port == port && c.database.equals(database)
                && c.user.equals(user) && c.params.equals(params);
    }

    @Override
    public int hashCode() {
        return host.hashCode() * 31 + port;
    }
}
