package dev.ferry.verify;

/**
 * One row that is not the same on both sides.
 *
 * @param kind   what differs
 * @param key    the row's key for people, e.g. {@code id=42} or {@code region=7, "day"='2024-01-01'};
 *               for a keyless table the whole row in its text form
 * @param copies for keyless tables, how many copies are missing or extra; 1 otherwise
 */
public record RowDifference(Kind kind, String key, long copies) {

    public enum Kind {
        /** On the source, not on the target. */
        MISSING_ON_TARGET("missing on target"),
        /** On the target, not on the source. */
        EXTRA_ON_TARGET("extra on target"),
        /** Same key on both sides, other values. */
        DIFFERENT("different");

        private final String words;

        Kind(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }

    @Override
    public String toString() {
        return kind.words() + ": " + key + (copies > 1 ? " (" + copies + " copies)" : "");
    }
}
