package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds a column at the end of the target table, filled either with a constant that every inserted or updated
 * row carries ({@code value:}, in PostgreSQL text form), or by the target's column DEFAULT ({@code default:}, an
 * SQL expression): then the column is absent from every row, so the snapshot's COPY and the stream's inserts
 * leave it out and the target fills it.
 *
 * <pre>
 * transforms:
 *   - type: add-column
 *     table: public.orders
 *     column: origin
 *     column_type: text
 *     value: legacy          # every row gets 'legacy'
 *   - type: add-column
 *     table: public.orders
 *     column: migrated_at
 *     column_type: timestamptz
 *     default: now()         # the target fills it
 *     not_null: true
 * </pre>
 */
public final class AddColumn extends TableTransform {
    private final Column column;
    private final boolean constant;
    private final String value;

    private AddColumn(TableId table, Column column, boolean constant, String value) {
        super("add-column", table, column.name());
        this.column = column;
        this.constant = constant;
        this.value = value;
    }

    /** Every row carries {@code value} (null: SQL NULL) in the new column. */
    public static AddColumn constant(TableId table, Column column, String value) {
        return new AddColumn(table, column, true, value);
    }

    /** Rows leave the column absent; give {@code column} a {@link Column#defaultExpr()} for the target to use. */
    public static AddColumn filledByDefault(TableId table, Column column) {
        return new AddColumn(table, column, false, null);
    }

    @Override
    protected TableSchema map(TableSchema source) {
        requireNoColumn(source, column.name());
        List<Column> cols = new ArrayList<>(source.columns());
        cols.add(column);
        return source.withColumns(cols, source.key());
    }

    @Override
    public List<Row> apply(Row row) {
        Row r = row.reshape(mapSchema(row.schema()));
        return List.of(constant ? r.with(column.name(), value) : r);
    }
}
