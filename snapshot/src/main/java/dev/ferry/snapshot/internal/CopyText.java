package dev.ferry.snapshot.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL's COPY text format, both ways: one line per row, fields separated by a tab, {@code \N} for NULL,
 * and backslash escapes for backslash, tab, newline, carriage return, backspace, form feed and vertical tab.
 * The decoder also reads octal ({@code \123}) and hex ({@code \x7f}) escapes, which COPY FROM accepts.
 *
 * <p>Works on UTF-8 bytes (the client encoding Ferry's connections use) so an escaped byte sequence decodes to
 * the character it spells. Stateless and thread-safe.
 */
public final class CopyText {
    private CopyText() {}

    /**
     * Splits one row as {@code COPY ... TO STDOUT} sends it (the trailing newline is optional). A field without a
     * backslash, nearly every one, becomes its string straight from the bytes: this runs once per value of every row
     * a transform touches (bench/RESULTS.md, the transformed snapshot).
     */
    public static String[] decode(byte[] line) {
        int end = line.length;
        if (end > 0 && line[end - 1] == '\n') {
            end--;
        }
        if (end > 0 && line[end - 1] == '\r') {
            end--;
        }
        List<String> fields = new ArrayList<>();
        int i = 0;
        while (true) {
            int start = i;
            boolean escaped = false;
            // A backslash escapes the next byte, a tab too: only an unescaped tab ends the field.
            while (i < end && line[i] != '\t') {
                if (line[i] == '\\' && i + 1 < end) {
                    escaped = true;
                    i += 2;
                } else {
                    i++;
                }
            }
            fields.add(escaped ? unescape(line, start, i) : new String(line, start, i - start, StandardCharsets.UTF_8));
            if (i >= end) {
                return fields.toArray(new String[0]);
            }
            i++;
        }
    }

    /** One field's bytes with escapes; {@code \N} as the whole field is NULL (the encoder escapes a backslash). */
    private static String unescape(byte[] line, int from, int to) {
        if (to - from == 2 && line[from] == '\\' && line[from + 1] == 'N') {
            return null;
        }
        byte[] out = new byte[to - from]; // escapes only shorten
        int n = 0;
        for (int i = from; i < to; i++) {
            byte b = line[i];
            if (b != '\\' || i + 1 >= to) {
                out[n++] = b;
                continue;
            }
            byte e = line[++i];
            switch (e) {
                case 'b' -> out[n++] = '\b';
                case 'f' -> out[n++] = '\f';
                case 'n' -> out[n++] = '\n';
                case 'r' -> out[n++] = '\r';
                case 't' -> out[n++] = '\t';
                case 'v' -> out[n++] = 0x0B;
                case 'x' -> {
                    int v = 0;
                    int digits = 0;
                    while (digits < 2 && i + 1 < to && Character.digit(line[i + 1], 16) >= 0) {
                        v = v * 16 + Character.digit(line[++i], 16);
                        digits++;
                    }
                    out[n++] = digits == 0 ? (byte) 'x' : (byte) v;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        int digits = 1;
                        while (digits < 3 && i + 1 < to && line[i + 1] >= '0' && line[i + 1] <= '7') {
                            v = v * 8 + (line[++i] - '0');
                            digits++;
                        }
                        out[n++] = (byte) v;
                    } else {
                        out[n++] = e; // \\ and any other escaped character stand for themselves
                    }
                }
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** One row in COPY text form, newline included. */
    public static byte[] encode(String[] values) {
        StringBuilder sb = new StringBuilder(64 * values.length);
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                sb.append('\t');
            }
            appendField(sb, values[i]);
        }
        sb.append('\n');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void appendField(StringBuilder sb, String v) {
        if (v == null) {
            sb.append("\\N");
            return;
        }
        int first = firstToEscape(v);
        if (first < 0) {
            sb.append(v); // nearly every value: copied whole
            return;
        }
        sb.append(v, 0, first);
        for (int i = first; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case 0x0B -> sb.append("\\v");
                default -> sb.append(c);
            }
        }
    }

    /** The index of the first character COPY text escapes, or -1. */
    private static int firstToEscape(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' || c == '\t' || c == '\n' || c == '\r' || c == '\b' || c == '\f' || c == 0x0B) {
                return i;
            }
        }
        return -1;
    }

    /** A list of values as one line without the newline: how chunk bounds of several key columns are stored. */
    public static String join(List<String> values) {
        byte[] b = encode(values.toArray(new String[0]));
        return new String(b, 0, b.length - 1, StandardCharsets.UTF_8);
    }

    public static List<String> split(String line) {
        return List.of(decode(line.getBytes(StandardCharsets.UTF_8)));
    }
}
