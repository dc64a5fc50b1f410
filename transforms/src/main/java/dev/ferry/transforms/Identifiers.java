package dev.ferry.transforms;

/**
 * The one way Ferry quotes an SQL identifier. Every name that reaches SQL text goes through
 * {@link #quote(String)}, so names with capitals, spaces, quotes, commas, reserved words or
 * non-ASCII letters behave exactly as they do in the source catalog.
 */
public final class Identifiers {
    private Identifiers() {}

    /** Quotes always, even when not needed: simpler to reason about than PostgreSQL's keyword list. */
    public static String quote(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("an SQL identifier cannot be empty");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an SQL identifier cannot contain a NUL character");
        }
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** Quotes a string literal the way standard_conforming_strings=on (the default since 9.1) reads it. */
    public static String literal(String value) {
        if (value == null) {
            return "NULL";
        }
        return '\'' + value.replace("'", "''") + '\'';
    }
}
