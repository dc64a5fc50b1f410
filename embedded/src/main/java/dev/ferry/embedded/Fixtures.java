package dev.ferry.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the SQL fixtures under {@code fixtures/} on the classpath: {@code fidelity.sql} (every type and its nasty
 * values) and {@code stories.sql} (the user stories' schemas at a {@code :scale}). Variables written
 * {@code :name} are replaced by the given values (or the fixture's {@code -- default :name = value}) before
 * running, so no psql is needed.
 */
public final class Fixtures {
    private static final Pattern VARIABLE = Pattern.compile("(?<![:\\w]):([a-z_]+)\\b");
    /** A default a fixture declares for a variable: {@code -- default :scale = 1}. */
    private static final Pattern DEFAULT = Pattern.compile("(?m)^-- default :([a-z_]+) = (\\S+)$");

    private Fixtures() {}

    public static void load(PgServer server, String database, String name) {
        load(server, database, name, Map.of());
    }

    /** Runs the fixture's statements one by one (so VACUUM and the like work), in autocommit. */
    public static void load(PgServer server, String database, String name, Map<String, String> variables) {
        String sql = substitute(text(name), variables);
        try (Connection c = server.connect(database); Statement st = c.createStatement()) {
            for (String statement : statements(sql)) {
                try {
                    st.execute(statement);
                } catch (SQLException e) {
                    throw new IllegalStateException(name + ": " + e.getMessage() + "\nin: " + abbreviate(statement), e);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(server.name() + ": " + e.getMessage(), e);
        }
    }

    public static String text(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name + " under fixtures/ on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String substitute(String sql, Map<String, String> given) {
        Map<String, String> variables = new java.util.HashMap<>();
        Matcher d = DEFAULT.matcher(sql);
        while (d.find()) {
            variables.put(d.group(1), d.group(2));
        }
        variables.putAll(given);
        Matcher m = VARIABLE.matcher(sql);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = variables.get(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? m.group() : v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /**
     * Splits a script at semicolons outside quotes, dollar quotes and comments. Enough for fixtures; not a full
     * SQL lexer.
     */
    static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end;
                continue;
            }
            if (c == '\'' || c == '"') {
                boolean escapes = c == '\'' && i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e');
                int j = i + 1;
                while (j < n) {
                    char d = sql.charAt(j);
                    if (escapes && d == '\\') {
                        j += 2;
                        continue;
                    }
                    if (d == c) {
                        if (j + 1 < n && sql.charAt(j + 1) == c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                cur.append(sql, i, Math.min(n, j + 1));
                i = j + 1;
                continue;
            }
            if (c == '$') {
                Matcher tag = Pattern.compile("\\$[A-Za-z_]*\\$").matcher(sql).region(i, n);
                if (tag.lookingAt()) {
                    int end = sql.indexOf(tag.group(), tag.end());
                    int stop = end < 0 ? n : end + tag.group().length();
                    cur.append(sql, i, stop);
                    i = stop;
                    continue;
                }
            }
            if (c == ';') {
                add(out, cur);
                i++;
                continue;
            }
            cur.append(c);
            i++;
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
        cur.setLength(0);
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
