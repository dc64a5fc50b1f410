package dev.ferry.transforms;

import java.util.ArrayList;
import java.util.List;

/** A table's schema-qualified name, as the catalog spells it (unquoted, case preserved). */
public record TableId(String schema, String name) implements Comparable<TableId> {

    public TableId {
        if (schema == null || schema.isEmpty() || name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a table needs a schema and a name");
        }
    }

    /** {@code "schema"."name"}, ready for SQL text. */
    public String quoted() {
        return Identifiers.quote(schema) + '.' + Identifiers.quote(name);
    }

    /**
     * Parses what a user types: {@code orders}, {@code sales.orders}, {@code "Sales"."Order Lines"}.
     * Unquoted parts fold to lower case, quoted parts keep their case, as in PostgreSQL.
     * A name without a schema is taken to be in {@code public}.
     */
    public static TableId parse(String text) {
        List<String> parts = splitQualified(text.trim());
        return switch (parts.size()) {
            case 1 -> new TableId("public", parts.get(0));
            case 2 -> new TableId(parts.get(0), parts.get(1));
            default -> throw new IllegalArgumentException("not a table name: " + text + " (expected schema.table)");
        };
    }

    private static List<String> splitQualified(String text) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    current.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    current.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                wasQuoted = true;
            } else if (c == '.') {
                parts.add(finish(current, wasQuoted));
                current.setLength(0);
                wasQuoted = false;
            } else {
                current.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unbalanced double quote in table name: " + text);
        }
        parts.add(finish(current, wasQuoted));
        for (String p : parts) {
            if (p.isEmpty()) {
                throw new IllegalArgumentException("empty part in table name: " + text);
            }
        }
        return parts;
    }

    private static String finish(StringBuilder part, boolean wasQuoted) {
        String s = part.toString();
        return wasQuoted ? s : foldAscii(s.strip());
    }

    /** PostgreSQL folds unquoted names to lower case in ASCII only (UTF-8 databases keep {@code Ü} as it is). */
    private static String foldAscii(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return out.toString();
    }

    @Override
    public int compareTo(TableId o) {
        int c = schema.compareTo(o.schema);
        return c != 0 ? c : name.compareTo(o.name);
    }

    /** The name for people: unquoted where that is unambiguous. */
    @Override
    public String toString() {
        return schema + '.' + name;
    }
}
