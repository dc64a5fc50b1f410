package dev.ferry.transforms.connect;

import dev.ferry.transforms.Column;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns a value as Debezium's PostgreSQL connector delivers it into PostgreSQL's text form, the form
 * {@link dev.ferry.transforms.Row} holds. Expects the connector settings Ferry uses:
 * {@code decimal.handling.mode=string}, {@code time.precision.mode=isostring},
 * {@code interval.handling.mode=string}, {@code binary.handling.mode=bytes},
 * {@code include.unknown.datatypes=true}. One method per type family, chosen by the column's PostgreSQL type.
 *
 * <p>Known losses in what Debezium delivers, which no conversion can undo (and {@code check} names):
 * {@code timetz} arrives normalised to UTC, {@code time '24:00'} as {@code 00:00}, multi-dimensional arrays
 * flattened, {@code varbit} without its length.
 */
public final class TextValues {
    private TextValues() {}

    /** Debezium's renderings of date {@code infinity} / {@code -infinity} in isostring mode. */
    static final String DATE_PLUS_INFINITY = "-5877611-06-21";
    static final String DATE_MINUS_INFINITY = "-5877611-06-22";

    public static String toText(Object value, Column column) {
        if (value == null) {
            return null;
        }
        String type = baseType(column.type());
        if (column.type().endsWith("[]")) {
            return value instanceof List<?> list ? array(list, column) : raw(value);
        }
        return scalar(value, type, column);
    }

    private static String scalar(Object value, String type, Column column) {
        return switch (type) {
            case "bytea" -> value instanceof ByteBuffer b ? "\\x" + HexFormat.of().formatHex(bytes(b))
                    : value instanceof byte[] a ? "\\x" + HexFormat.of().formatHex(a) : value.toString();
            case "date" -> date(value.toString());
            case "time without time zone", "time with time zone" -> stripZone(value.toString());
            case "timestamp without time zone", "timestamp with time zone" -> timestamp(value.toString());
            case "numeric" -> numeric(value.toString());
            case "bit", "bit varying" -> bits(value, column);
            case "point" -> value instanceof Struct s ? "(" + s.get("x") + "," + s.get("y") + ")" : raw(value);
            default -> raw(value);
        };
    }

    /** Debezium spells numeric specials like Java's constants. */
    static String numeric(String v) {
        return switch (v.toUpperCase(Locale.ROOT)) {
            case "NAN" -> "NaN";
            case "POSITIVE_INFINITY", "INFINITY" -> "Infinity";
            case "NEGATIVE_INFINITY", "-INFINITY" -> "-Infinity";
            default -> v;
        };
    }

    /** Unknown types arrive as the bytes of their text form; everything else prints as itself. */
    private static String raw(Object value) {
        if (value instanceof ByteBuffer b) {
            return new String(bytes(b), StandardCharsets.UTF_8);
        }
        if (value instanceof byte[] a) {
            return new String(a, StandardCharsets.UTF_8);
        }
        return value.toString();
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    /** {@code character varying(20)[]} → {@code character varying}; {@code numeric(38,10)} → {@code numeric}. */
    static String baseType(String type) {
        return BASE_TYPES.computeIfAbsent(type, TextValues::computeBaseType);
    }

    /** A per-value regular expression cost 4% of the stream's CPU (bench/RESULTS.md): types repeat, so cache. */
    private static final java.util.Map<String, String> BASE_TYPES = new java.util.concurrent.ConcurrentHashMap<>();

    private static String computeBaseType(String type) {
        String t = type.endsWith("[]") ? type.substring(0, type.length() - 2) : type;
        t = t.replaceAll("\\(.*?\\)", "");
        return t.strip().toLowerCase(Locale.ROOT);
    }

    /** ISO dates: year 0 is 1 BC, year -4712 is 4713 BC; PostgreSQL writes them with a BC suffix. */
    static String date(String iso) {
        String d = iso.endsWith("Z") ? iso.substring(0, iso.length() - 1) : iso;
        if (d.equals(DATE_PLUS_INFINITY)) {
            return "infinity";
        }
        if (d.equals(DATE_MINUS_INFINITY)) {
            return "-infinity";
        }
        return withEra(d);
    }

    static String timestamp(String iso) {
        if (iso.equals("infinity") || iso.equals("-infinity")) {
            return iso;
        }
        String t = iso.replace('T', ' ');
        String zone = "";
        if (t.endsWith("Z")) {
            t = t.substring(0, t.length() - 1);
            zone = "+00";
        }
        int space = t.indexOf(' ');
        if (space < 0) {
            return withEra(t) + zone;
        }
        String datePart = t.substring(0, space);
        String era = datePart.startsWith("-") || datePart.startsWith("0000") ? " BC" : "";
        String converted = withEra(datePart);
        if (!era.isEmpty()) {
            converted = converted.substring(0, converted.length() - 3);
        }
        return converted + t.substring(space) + zone + era;
    }

    private static String withEra(String isoDate) {
        String d = isoDate.startsWith("+") ? isoDate.substring(1) : isoDate;
        boolean negative = d.startsWith("-");
        int dash = d.indexOf('-', negative ? 1 : 0);
        if (dash < 0) {
            return d;
        }
        long year = Long.parseLong(d.substring(0, dash));
        if (year > 0) {
            return d;
        }
        long bc = 1 - year;
        return String.format("%04d", bc) + d.substring(dash) + " BC";
    }

    private static String stripZone(String time) {
        return time.endsWith("Z") ? time.substring(0, time.length() - 1) + (time.length() > 9 ? "" : "") : time;
    }

    /** Debezium sends bit strings as bytes, least significant byte first; the column type gives the length. */
    private static String bits(Object value, Column column) {
        if (value instanceof Boolean b) {
            return b ? "1" : "0";
        }
        byte[] bytes = value instanceof ByteBuffer bb ? bytes(bb) : value instanceof byte[] a ? a : null;
        if (bytes == null) {
            return value.toString();
        }
        int length = bitLength(column.type(), bytes.length * 8);
        StringBuilder sb = new StringBuilder(length);
        for (int i = length - 1; i >= 0; i--) {
            int b = i / 8 < bytes.length ? bytes[i / 8] : 0; // Debezium drops high zero bytes
            sb.append(((b >> (i % 8)) & 1) == 1 ? '1' : '0');
        }
        return sb.toString();
    }

    private static int bitLength(String type, int otherwise) {
        int open = type.indexOf('(');
        if (open < 0) {
            return otherwise;
        }
        return Integer.parseInt(type.substring(open + 1, type.indexOf(')')));
    }

    /** A PostgreSQL array literal; every element double-quoted so commas, quotes and the word NULL survive. */
    static String array(List<?> list, Column column) {
        String elementType = column.type().substring(0, column.type().length() - 2);
        Column element = column.withType(elementType, column.builtin());
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            Object v = list.get(i);
            if (v == null) {
                sb.append("NULL");
            } else {
                String text = scalar(v, baseType(elementType), element);
                sb.append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        return sb.append('}').toString();
    }
}
