package dev.ferry.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Finds a password the way libpq does: {@code PGPASSWORD}, then {@code PGPASSFILE} or {@code ~/.pgpass}. */
public final class PgPass {
    private PgPass() {}

    /** Returns {@code spec} with a password filled in from the environment, when it has none of its own. */
    public static ConnectionSpec complete(ConnectionSpec spec, Map<String, String> env) {
        if (spec.hasPassword()) {
            return spec;
        }
        String fromEnv = env.get("PGPASSWORD");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return spec.withPassword(fromEnv);
        }
        Path file = env.containsKey("PGPASSFILE") ? Path.of(env.get("PGPASSFILE"))
                : Path.of(System.getProperty("user.home"), ".pgpass");
        return lookup(file, spec).map(spec::withPassword).orElse(spec);
    }

    static Optional<String> lookup(Path file, ConnectionSpec spec) {
        if (!Files.isReadable(file)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> f = fields(line);
            if (f.size() == 5 && matches(f.get(0), spec.host()) && matches(f.get(1), String.valueOf(spec.port()))
                    && matches(f.get(2), spec.database()) && matches(f.get(3), spec.user())) {
                return Optional.of(f.get(4));
            }
        }
        return Optional.empty();
    }

    private static boolean matches(String pattern, String value) {
        return pattern.equals("*") || pattern.equals(value)
                || (pattern.equals("localhost") && value.equals("127.0.0.1"));
    }

    /** Splits on unescaped colons; {@code \:} and {@code \\} are escapes, as in libpq. */
    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (c == ':' && out.size() < 4) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
