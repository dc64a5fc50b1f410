package dev.ferry.verify;

import dev.ferry.transforms.TableId;
import java.util.List;

/**
 * How one table compared.
 *
 * @param table       the source table
 * @param target      the table it was compared with on the target (the same name unless a transform renames)
 * @param method      {@code hash} (row hashes computed in SQL on both servers), {@code hash-multiset}
 *                    (keyless table, rows compared as a multiset) or {@code rows} (rows streamed through the
 *                    transforms and compared in Ferry)
 * @param sourceRows  rows counted on the source
 * @param targetRows  rows counted on the target (under live writes the two counts are read moments apart)
 * @param differences rows that differ, in total; with {@code atLeast}, the least number that differ
 * @param atLeast     true when more rows differ than verify could hold in memory to compare one by one: the
 *                    table differs, and {@code differences} is a lower bound
 * @param listed      the first differences, at most the listing limit, ordered by key
 * @param problems    differences that are not about rows: a missing table, missing columns
 * @param notes       remarks worth showing, e.g. that the stream had not caught up
 * @param seconds     time spent on this table
 */
public record TableResult(
        TableId table,
        TableId target,
        String method,
        long sourceRows,
        long targetRows,
        long differences,
        boolean atLeast,
        List<RowDifference> listed,
        List<String> problems,
        List<String> notes,
        double seconds) {

    public boolean equal() {
        return differences == 0 && !atLeast && problems.isEmpty();
    }

    /** Differences found but not listed because of the limit. */
    public long unlisted() {
        return Math.max(0, differences - listed.size());
    }
}
