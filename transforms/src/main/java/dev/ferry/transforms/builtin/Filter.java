package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.List;
import java.util.Set;

/**
 * Keeps only the rows of a table for which the condition ({@link Expression}) is true; rows where it is false
 * or NULL do not reach the target. An update that moves a row into or out of the filter becomes an insert or a
 * delete ({@link dev.ferry.transforms.TransformChain#applyChange}); a key-only delete always passes (deleting a
 * row the target lacks is harmless).
 *
 * <pre>
 * transforms:
 *   - type: filter
 *     table: public.orders
 *     where: status != 'cancelled' and (amount > 0 or customer_id in (1, 2, 3)) and deleted_at is null
 * </pre>
 */
public final class Filter extends TableTransform {
    private final Expression where;

    public Filter(TableId table, Expression where) {
        super("filter", table, null);
        this.where = where;
    }

    @Override
    protected TableSchema map(TableSchema source) {
        for (String c : where.columns()) {
            requireColumn(source, c);
        }
        return source;
    }

    @Override
    public Set<String> reads(TableId t) {
        return where.columns();
    }

    @Override
    public boolean filters(TableId t) {
        return true;
    }

    /** True when the row passes; rows lacking a read column (key-only deletes) pass. */
    public boolean keeps(Row row) {
        for (String c : where.columns()) {
            if (!row.has(c)) {
                return true;
            }
        }
        return Boolean.TRUE.equals(where.test(row));
    }

    @Override
    public List<Row> apply(Row row) {
        return keeps(row) ? List.of(row) : List.of();
    }
}
