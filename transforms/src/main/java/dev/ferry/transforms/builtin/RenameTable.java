package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.List;

/**
 * Gives a table another name (and/or schema) on the target. Inserts, updates, key-only deletes and truncates
 * all go to the new name; transforms later in the list name the table by its new name.
 *
 * <pre>
 * transforms:
 *   - type: rename-table
 *     table: public.orders
 *     to: sales.orders        # "to: orders_v2" keeps the schema
 * </pre>
 */
public final class RenameTable extends TableTransform {
    private final TableId to;

    public RenameTable(TableId table, TableId to) {
        super("rename-table", table, null);
        this.to = to;
    }

    public TableId to() {
        return to;
    }

    @Override
    protected TableSchema map(TableSchema source) {
        return source.withId(to);
    }

    @Override
    public TableId renames(TableId t) {
        return touches(t) ? to : t;
    }

    @Override
    public boolean preservesText(TableSchema input) {
        return true;
    }

    @Override
    public List<Row> apply(Row row) {
        return List.of(row.reshape(mapSchema(row.schema())));
    }
}
