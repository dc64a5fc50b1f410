package dev.ferry.core.diff;

/**
 * One way the target's schema differs from the source's after transforms.
 *
 * @param kind   what differs
 * @param object the table, or {@code table.column}, {@code table index}, {@code sequence} it concerns
 * @param expected what the source after transforms has (null when the target has something extra)
 * @param actual   what the target has (null when it is missing)
 */
public record Difference(Kind kind, String object, String expected, String actual) {

    public enum Kind {
        MISSING_TABLE, UNEXPECTED_TABLE, MISSING_COLUMN, UNEXPECTED_COLUMN, COLUMN_TYPE, NULLABILITY, COLUMN_DEFAULT,
        PRIMARY_KEY, MISSING_INDEX, UNEXPECTED_INDEX, MISSING_FOREIGN_KEY, UNEXPECTED_FOREIGN_KEY, MISSING_SEQUENCE,
        SEQUENCE_TYPE,
        /** An object around the tables (view, function, trigger...) the target lacks; object is its title. */
        MISSING_OBJECT,
        /** An object around the tables only the target has. */
        UNEXPECTED_OBJECT,
        /** An object both have, differing in one aspect: expected and actual start with the aspect's name. */
        CHANGED_OBJECT
    }

    /** One readable sentence. */
    public String describe() {
        return switch (kind) {
            case MISSING_TABLE -> "table " + object + " is missing on the target";
            case UNEXPECTED_TABLE -> "table " + object + " exists only on the target";
            case MISSING_COLUMN -> "column " + object + " (" + expected + ") is missing on the target";
            case UNEXPECTED_COLUMN -> "column " + object + " (" + actual + ") exists only on the target";
            case COLUMN_TYPE -> "column " + object + " is " + actual + " on the target, expected " + expected;
            case NULLABILITY -> "column " + object + " is " + actual + " on the target, expected " + expected;
            case COLUMN_DEFAULT -> "column " + object + " defaults to " + actual + " on the target, expected " + expected;
            case PRIMARY_KEY -> "table " + object + " has primary key " + actual + " on the target, expected " + expected;
            case MISSING_INDEX -> "index on " + object + " " + expected + " is missing on the target";
            case UNEXPECTED_INDEX -> "index on " + object + " " + actual + " exists only on the target";
            case MISSING_FOREIGN_KEY -> "foreign key on " + object + " " + expected + " is missing on the target";
            case UNEXPECTED_FOREIGN_KEY -> "foreign key on " + object + " " + actual + " exists only on the target";
            case MISSING_SEQUENCE -> "sequence " + object + " is missing on the target";
            case SEQUENCE_TYPE -> "sequence " + object + " is " + actual + " on the target, expected " + expected;
            case MISSING_OBJECT -> object + " is missing on the target";
            case UNEXPECTED_OBJECT -> object + " exists only on the target";
            case CHANGED_OBJECT -> expected.startsWith("definition")
                    ? "the definition of " + object + " differs on the target"
                    : object + " has " + actual + " on the target, expected " + expected;
        };
    }
}
