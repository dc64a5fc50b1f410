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
     * Columns of the <em>source</em> row this transform needs to see. When an update lacks one of them
     * (an unchanged TOAST value), Ferry completes the row before calling {@link #apply}.
     */
    default Set<String> reads(TableId table) {
        return Set.of();
    }

    /**
     * Transforms one row. Returns zero rows (filtered out), one row, or several, possibly of other tables.
     * The input may be partial (see {@link Row}); absent columns must stay absent in the output.
     *
     * @throws RuntimeException with a message meant for the user when a value cannot be converted;
     *         Ferry adds the transform's name, the table and the key
     */
    List<Row> apply(Row row);
}
