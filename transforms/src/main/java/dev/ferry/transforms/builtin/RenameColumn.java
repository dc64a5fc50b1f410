package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives a column another name on the target, keeping its place, type and key membership.
 *
 * <pre>
 * transforms:
 *   - type: rename-column
 *     table: public.orders
 *     column: qty
 *     to: quantity
 * </pre>
 */
public final class RenameColumn extends TableTransform {
    private final String column;
    private final String to;

    public RenameColumn(TableId table, String column, String to) {
        super("rename-column", table, column);
        this.column = column;
        this.to = to;
    }

    @Override
    protected TableSchema map(TableSchema source) {
        requireColumn(source, column);
        requireNoColumn(source, to);
        List<Column> cols = new ArrayList<>();
        for (Column c : source.columns()) {
            cols.add(c.name().equals(column) ? c.withName(to) : c);
        }
        List<String> key = source.key().stream().map(k -> k.equals(column) ? to : k).toList();
        return source.withColumns(cols, key);
    }

    @Override
    public String inputColumn(TableSchema input, String outputColumn) {
        return outputColumn.equals(to) ? column : super.inputColumn(input, outputColumn);
    }

    @Override
    public boolean preservesText(TableSchema input) {
        return true;
    }

    @Override
    public List<Row> apply(Row row) {
        return List.of(row.reshape(mapSchema(row.schema()), c -> c.equals(to) ? column : c));
    }
}
