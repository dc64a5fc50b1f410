package dev.ferry.transforms.config;

import java.util.regex.Pattern;

/**
 * Which type names {@code ferry.yml} may give ({@code column_type:}, change-type's {@code to:}). A type name
 * reaches SQL as written ({@code CREATE TABLE ... (c numeric(12,2))}, {@code ?::numeric(12,2)}): it cannot be
 * quoted as one identifier, since {@code double precision} or {@code timestamp(3) with time zone} are several
 * words. So it is checked against the grammar of a type name instead, once, when the configuration is read:
 * a name, optionally schema-qualified, each part a plain identifier or a double-quoted one; type modifiers of
 * numbers or plain words ({@code (12,2)}, {@code (Point,4326)}); array brackets; and PostgreSQL's few
 * multi-word spellings. Anything else (a quote, a semicolon, a comment, words such as {@code PRIMARY KEY})
 * is refused before it reaches a server.
 */
public final class TypeNames {
    private TypeNames() {}

    private static final String PLAIN = "[A-Za-z_\\p{L}][A-Za-z0-9_$\\p{L}]*";
    private static final String QUOTED = "\"(?:[^\"\\x00]|\"\")+\"";
    private static final String PART = "(?:" + PLAIN + "|" + QUOTED + ")";
    private static final String MODS = "(?:\\s*\\(\\s*(?:\\d+|" + PLAIN + ")(?:\\s*,\\s*(?:\\d+|" + PLAIN + "))*\\s*\\))";
    private static final String PRECISION = "(?:\\s*\\(\\s*\\d+\\s*\\))";
    private static final String ZONE = "(?:\\s+with(?:out)?\\s+time\\s+zone)";
    private static final String FIELD = "(?:year|month|day|hour|minute|second)";
    private static final String INTERVAL = "interval" + PRECISION + "?(?:\\s+" + FIELD + "(?:\\s+to\\s+" + FIELD + ")?"
            + PRECISION + "?)?";
    private static final String MULTI_WORD = "double\\s+precision|(?:character|char|bit|national\\s+character)"
            + "\\s+varying" + MODS + "?|(?:time|timestamp)" + PRECISION + "?" + ZONE + "?|" + INTERVAL;
    private static final Pattern TYPE = Pattern.compile("\\s*(?:(?i:" + MULTI_WORD + ")|" + PART + "(?:\\s*\\.\\s*"
            + PART + ")?" + MODS + "?)(?:\\s*\\[\\s*\\d*\\s*\\])*\\s*");

    /** True when {@code type} is a type name as SQL writes one, and nothing else. */
    public static boolean valid(String type) {
        return type != null && !type.isBlank() && TYPE.matcher(type).matches();
    }

    /** The sentence for a refused type name, with examples of good ones. */
    static String problem(String option, String type) {
        return "option \"" + option + "\" is not a type name: \"" + type + "\"; write a type as in SQL, e.g. "
                + "bigint, numeric(12,2), varchar(40), timestamp(3) with time zone, text[] or a schema-qualified "
                + "name such as public.mood (double-quoted where it has capitals or spaces)";
    }
}
