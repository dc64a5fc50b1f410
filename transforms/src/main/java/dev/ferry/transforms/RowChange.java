package dev.ferry.transforms;

import java.util.Objects;

/**
 * One change to apply to the target, as {@link TransformChain#applyChange} produces it: already transformed,
 * possibly for another table than the source change.
 *
 * <ul>
 *   <li>{@link Op#INSERT}: an upsert by key. The row is complete (every column of its schema present, except
 *       columns a transform deliberately leaves absent so that the target's DEFAULT fills them).</li>
 *   <li>{@link Op#UPDATE}: set the present columns of the row with this key; absent columns keep their target
 *       value (unchanged TOAST).</li>
 *   <li>{@link Op#DELETE}: delete by key; {@code row} holds only the identity columns
 *       ({@link Row#identityOnly()}), already mapped through renames and type changes.</li>
 *   <li>{@link Op#TRUNCATE}: empty {@code table}; {@code row} is null.</li>
 * </ul>
 *
 * @param table the target table (after renames); equals {@code row.table()} when row is not null
 */
public record RowChange(Op op, TableId table, Row row) {

    public RowChange {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(table, "table");
        if ((op == Op.TRUNCATE) != (row == null)) {
            throw new IllegalArgumentException("a truncate carries no row, every other change one row");
        }
    }

    public static RowChange insert(Row row) {
        return new RowChange(Op.INSERT, row.table(), row);
    }

    public static RowChange update(Row row) {
        return new RowChange(Op.UPDATE, row.table(), row);
    }

    /** A delete of the row's key: the row is cut down to its identity columns. */
    public static RowChange delete(Row row) {
        return new RowChange(Op.DELETE, row.table(), row.identityOnly());
    }

    public static RowChange truncate(TableId table) {
        return new RowChange(Op.TRUNCATE, table, null);
    }

    @Override
    public String toString() {
        return op + " " + (row == null ? table.toString() : row.toString());
    }
}
