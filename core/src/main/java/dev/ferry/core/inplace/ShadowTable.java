package dev.ferry.core.inplace;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.Transform;
import java.util.List;

/**
 * The last transform of an in-place run: sends a reshaped table into the shadow schema under its own name. The
 * shadow's columns carry no identity: the identity's sequence belongs to the original table, whose values the
 * stream copies anyway; the swap gives the new table's column the identity back (switch's {@code IdentityColumns}).
 */
final class ShadowTable implements Transform {
    private final TableId table;
    private final TableId shadow;

    ShadowTable(TableId table, String shadowSchema) {
        this.table = table;
        this.shadow = new TableId(shadowSchema, table.name());
    }

    @Override
    public String name() {
        return "in-place shadow " + table;
    }

    @Override
    public boolean touches(TableId id) {
        return table.equals(id);
    }

    @Override
    public TableSchema mapSchema(TableSchema source) {
        List<Column> columns = source.columns().stream().map(c -> c.identity() == null ? c
                : new Column(c.name(), c.type(), c.builtin(), c.notNull(), null, null, null, c.collation())).toList();
        return source.withColumns(columns, source.key()).withId(shadow);
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
