package dev.ferry.core.state;

/**
 * The timed steps of a snapshot, in the order they run. Stored by {@link #key} in the state store
 * ({@code steps}), so keys are never renamed; {@link #label} is what the summary and {@code ferry status} print.
 */
public enum SnapshotStep {
    /** Catalog read, publication, slot with its exported snapshot (or the fresh snapshot of a resumed run). */
    SLOT("slot", "slot and snapshot"),
    /** Types, sequences and tables created on the target, chunks planned. */
    TABLES("tables", "table creation"),
    /** Every chunk copied (the wall time of the worker pool). */
    COPY("copy", "copy"),
    /** Primary keys, unique and exclusion constraints, secondary indexes: the part left once the copy ended. */
    INDEXES("indexes", "keys and indexes"),
    /** Sequence values, foreign keys NOT VALID and the objects added after the copy (triggers, owners...). */
    CONSTRAINTS("constraints", "constraints");

    private final String key;
    private final String label;

    SnapshotStep(String key, String label) {
        this.key = key;
        this.label = label;
    }

    public String key() {
        return key;
    }

    public String label() {
        return label;
    }

    public static SnapshotStep ofKey(String key) {
        for (SnapshotStep s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        return null;
    }
}
