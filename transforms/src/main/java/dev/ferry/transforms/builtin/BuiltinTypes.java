package dev.ferry.transforms.builtin;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Type names as users write them in ferry.yml, turned into the form {@code format_type} writes (what
 * {@link dev.ferry.transforms.Column#type()} holds), so that a mapped schema compares equal to the target's
 * catalog; and which of them are built into PostgreSQL.
 */
public final class BuiltinTypes {
    private BuiltinTypes() {}

    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("int", "integer"), Map.entry("int4", "integer"), Map.entry("int8", "bigint"),
            Map.entry("int2", "smallint"), Map.entry("bool", "boolean"), Map.entry("float8", "double precision"),
            Map.entry("float4", "real"), Map.entry("decimal", "numeric"), Map.entry("varchar", "character varying"),
            Map.entry("char", "character"), Map.entry("timestamptz", "timestamp with time zone"),
            Map.entry("timestamp", "timestamp without time zone"), Map.entry("timetz", "time with time zone"),
            Map.entry("time", "time without time zone"), Map.entry("varbit", "bit varying"));

    private static final Set<String> BUILTIN = Set.of("smallint", "integer", "bigint", "numeric", "real",
            "double precision", "text", "character varying", "character", "boolean", "bytea", "date",
            "time without time zone", "time with time zone", "timestamp without time zone",
            "timestamp with time zone", "interval", "json", "jsonb", "uuid", "inet", "cidr", "macaddr", "macaddr8",
            "money", "bit", "bit varying", "xml", "oid", "tsvector", "tsquery", "point", "line", "lseg", "box",
            "path", "polygon", "circle", "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange");

    private static final Set<String> NUMERIC = Set.of("smallint", "integer", "bigint", "numeric", "real",
            "double precision");

    private static final Set<String> INTEGER = Set.of("smallint", "integer", "bigint");

    private static final Set<String> TEXT = Set.of("text", "character varying", "character");

    // name, optional (modifiers), optional "with/without time zone", optional []s
    private static final Pattern SHAPE = Pattern.compile(
            "([a-z0-9_ ]+?)\\s*(\\([0-9, ]+\\))?\\s*(with(?:out)? time zone)?\\s*((?:\\[\\])*)");

    /**
     * The {@code format_type} spelling of a built-in type name ({@code int8} → {@code bigint},
     * {@code timestamptz(3)} → {@code timestamp(3) with time zone}, {@code varchar(20)} →
     * {@code character varying(20)}); other names (enums, domains) are returned as given.
     */
    public static String canonical(String type) {
        String t = type.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        Matcher m = SHAPE.matcher(t);
        if (!m.matches()) {
            return type.strip();
        }
        String name = ALIASES.getOrDefault(m.group(1), m.group(1));
        String mods = m.group(2) == null ? "" : m.group(2).replace(" ", "");
        String zone = m.group(3);
        String arrays = m.group(4);
        if (zone != null) {
            name = name.equals("timestamp") ? "timestamp " + zone : name.equals("time") ? "time " + zone : name;
        }
        if (!BUILTIN.contains(name)) {
            return type.strip();
        }
        int space = name.indexOf(" with");
        if (!mods.isEmpty() && space > 0) {
            return name.substring(0, space) + mods + name.substring(space) + arrays; // timestamp(3) with time zone
        }
        return name + mods + arrays;
    }

    /** The type without modifiers and array brackets: {@code numeric(10,2)[]} → {@code numeric}. */
    public static String base(String type) {
        return type.replaceAll("\\([^)]*\\)", "").replace("[]", "").strip();
    }

    public static boolean isBuiltin(String type) {
        return BUILTIN.contains(base(type));
    }

    public static boolean isNumeric(String type) {
        return !type.endsWith("]") && NUMERIC.contains(base(type));
    }

    public static boolean isInteger(String type) {
        return INTEGER.contains(type);
    }

    public static boolean isText(String type) {
        return !type.endsWith("]") && TEXT.contains(base(type));
    }
}
