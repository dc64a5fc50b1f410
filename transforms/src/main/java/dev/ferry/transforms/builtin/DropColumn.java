package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.List;

/**
 * Leaves columns out of the target table. Key columns cannot be dropped (rows would lose their identity).
 *
 * <pre>
 * transforms:
 *   - type: drop-column
 *     table: public.users
 *     columns: [legacy_flags, old_password]   # or column: legacy_flags
 * </pre>
 */
public final class DropColumn extends TableTransform {
    private final List<String> columns;

    public DropColumn(TableId table, List<String> columns) {
        super("drop-column", table, String.join(",", columns));
        this.columns = List.copyOf(columns);
    }

    @Override
    protected TableSchema map(TableSchema source) {
        for (String c : columns) {
            requireColumn(source, c);
            if (source.key().contains(c)) {
                throw new IllegalArgumentException(name() + ": column " + c + " is part of the primary key of "
                        + source.id() + " and cannot be dropped; drop another column or keep it");
            }
        }
        List<Column> kept = source.columns().stream().filter(c -> !columns.contains(c.name())).toList();
        return source.withColumns(kept, source.key());
    }

    @Override
    public List<Row> apply(Row row) {
        return List.of(row.reshape(mapSchema(row.schema())));
    }
}
