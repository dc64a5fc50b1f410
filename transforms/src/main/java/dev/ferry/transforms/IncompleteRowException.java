package dev.ferry.transforms;

import java.util.Set;

/**
 * {@link TransformChain#applyChange} needs source columns the change did not carry (unchanged TOAST values of
 * an update). Not a failure of the data: the caller reads the listed columns of that row from the source (at
 * the change's key), completes the row with {@link Row#withAll} and calls {@code applyChange} again. When a
 * table's changes cannot be completed that way, {@code check} requires {@code REPLICA IDENTITY FULL}.
 */
public final class IncompleteRowException extends RuntimeException {
    private final TableId table;
    private final Set<String> missing;

    public IncompleteRowException(TableId table, Set<String> missing, String why) {
        super("a change of " + table + " lacks columns " + missing + " that " + why
                + "; read them from the source and apply the completed row");
        this.table = table;
        this.missing = Set.copyOf(missing);
    }

    /** The source table. */
    public TableId table() {
        return table;
    }

    /** Names of source columns to fetch, never empty. */
    public Set<String> missing() {
        return missing;
    }
}
