package dev.ferry.snapshot.internal;

import java.io.ByteArrayOutputStream;
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

    /** Splits one row as {@code COPY ... TO STDOUT} sends it (the trailing newline is optional). */
    public static String[] decode(byte[] line) {
        int end = line.length;
        if (end > 0 && line[end - 1] == '\n') {
            end--;
        }
        if (end > 0 && line[end - 1] == '\r') {
            end--;
        }
        List<String> fields = new ArrayList<>();
        ByteArrayOutputStream field = new ByteArrayOutputStream(64);
        boolean isNull = false;
        for (int i = 0; i <= end; i++) {
            if (i == end || line[i] == '\t') {
                fields.add(isNull ? null : field.toString(StandardCharsets.UTF_8));
                field.reset();
                isNull = false;
                continue;
            }
            byte b = line[i];
            if (b != '\\' || i + 1 >= end) {
                field.write(b);
                continue;
            }
            byte e = line[++i];
            switch (e) {
                case 'N' -> {
                    // \N is NULL only as the whole field; the encoder escapes a literal backslash, so this is it.
                    isNull = true;
                }
                case 'b' -> field.write('\b');
                case 'f' -> field.write('\f');
                case 'n' -> field.write('\n');
                case 'r' -> field.write('\r');
                case 't' -> field.write('\t');
                case 'v' -> field.write(0x0B);
                case 'x' -> {
                    int v = 0;
                    int n = 0;
                    while (n < 2 && i + 1 < end && Character.digit(line[i + 1], 16) >= 0) {
                        v = v * 16 + Character.digit(line[++i], 16);
                        n++;
                    }
                    if (n == 0) {
                        field.write('x');
                    } else {
                        field.write(v);
                    }
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        int n = 1;
                        while (n < 3 && i + 1 < end && line[i + 1] >= '0' && line[i + 1] <= '7') {
                            v = v * 8 + (line[++i] - '0');
                            n++;
                        }
                        field.write(v & 0xFF);
                    } else {
                        field.write(e); // \\ and any other escaped character stand for themselves
                    }
                }
            }
        }
        return fields.toArray(new String[0]);
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
        for (int i = 0; i < v.length(); i++) {
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

    /** A list of values as one line without the newline: how chunk bounds of several key columns are stored. */
    public static String join(List<String> values) {
        byte[] b = encode(values.toArray(new String[0]));
        return new String(b, 0, b.length - 1, StandardCharsets.UTF_8);
    }

    public static List<String> split(String line) {
        return List.of(decode(line.getBytes(StandardCharsets.UTF_8)));
    }
}
