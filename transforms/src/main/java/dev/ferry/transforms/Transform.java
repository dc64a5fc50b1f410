package dev.ferry.transforms;

import java.util.List;
import java.util.Set;

/**
 * Reshapes rows on their way from source to target. The snapshot and the stream call the same instance,
 * so a row copied and the same row changed later come out alike.
 *
 * <p>Implementations must be thread-safe: the snapshot's copy workers call {@link #apply} concurrently.
 * Custom transforms are found with {@link java.util.ServiceLoader} (see {@link TransformProvider}).
 */
public interface Transform {

    /** A short name used in messages, e.g. {@code rename-column orders.qty}. */
    String name();

    /** True when this transform may change rows or the schema of {@code table}. Untouched tables skip parsing. */
    boolean touches(TableId table);

    /** The target shape of a source table. Called once per table before anything is created. */
    default TableSchema mapSchema(TableSchema source) {
        return source;
    }

    /**
     * Columns of its input row this transform needs to see, named as they are at its place in the chain
     * ({@link TransformChain#reads} traces them back to source columns through earlier renames). When an
     * update lacks one of them (an unchanged TOAST value), Ferry completes the row before calling {@link #apply}.
     */
    default Set<String> reads(TableId table) {
        return Set.of();
    }

    /**
     * True when {@link #apply} may drop rows of {@code table} depending on their values (a row filter). The
     * chain then turns updates that cross the filter into inserts or deletes (see
     * {@link TransformChain#applyChange}).
     */
    default boolean filters(TableId table) {
        return false;
    }

    /**
     * Column lineage, so the chain can name the <em>source</em> columns a later transform reads: the column of
     * {@code input} whose value {@code outputColumn} of {@link #mapSchema mapSchema(input)} carries, or null
     * when the column is new (added or computed). Override when renaming columns.
     */
    default String inputColumn(TableSchema input, String outputColumn) {
        return input.indexOf(outputColumn) >= 0 ? outputColumn : null;
    }

    /**
     * The name a table it touches has after this transform: another one only for a {@code rename-table}. Lets the
     * name of a table be followed through a chain without its columns.
     */
    default TableId renames(TableId table) {
        return table;
    }

    /**
     * True when {@link #apply} returns every row of {@code input} with the same values in the same column order,
     * only under {@link #mapSchema mapSchema(input)} (renames, integer widening). The snapshot may then pipe a
     * table's text-format COPY data unparsed into the mapped table (see
     * {@link TransformChain#copiesTextUnchanged}). Binary COPY data is not covered: an int and a bigint differ.
     */
    default boolean preservesText(TableSchema input) {
        return false;
    }

    /**
     * SQL the target needs before the mapped tables are created, e.g. {@code CREATE TYPE ... AS ENUM} for a
     * column changed to a new enum. Each statement is idempotent (safe to run again on resume).
     */
    default List<String> targetSetup() {
        return List.of();
    }

    /**
     * Transforms one row. Returns zero rows (filtered out), one row, or several, possibly of other tables.
     *
     * <p><b>Partial rows.</b> The input may be partial (see {@link Row}); absent columns must stay absent in
     * the output. A delete arrives as its key only. The chain makes sure inserts and updates carry every column
     * of {@link #reads}; for the key-only rows of deletes a transform whose read columns are absent leaves the
     * columns it would produce absent, and a filter keeps the row (deleting a row the target never had is
     * harmless).
     *
     * @throws RuntimeException with a message meant for the user when a value cannot be converted;
     *         Ferry adds the transform's name, the table and the key
     */
    List<Row> apply(Row row);

    /**
     * Transforms a batch of rows of tables this transform touches, one output list per input row, in order.
     * The default calls {@link #apply} on each; override to share work across the batch (enrichment looks all
     * keys up in one query). A failure on one row must be a {@link TransformException} naming that row; any
     * other exception is reported against the batch's first row.
     */
    default List<List<Row>> applyEach(List<Row> rows) {
        List<List<Row>> out = new java.util.ArrayList<>(rows.size());
        for (Row r : rows) {
            try {
                out.add(apply(r));
            } catch (TransformException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new TransformException(name(), r, e);
            }
        }
        return out;
    }
}
