package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Base of the built-ins that rewrite the value of one column (change-type, recode, mask, hash): NULL stays
 * NULL, an absent column stays absent, and a failure names the column and the value (the chain adds the
 * transform, table and key).
 */
public abstract class ValueTransform extends TableTransform {
    protected final String column;

    protected ValueTransform(String type, TableId table, String column) {
        super(type, table, column);
        this.column = column;
    }

    public String column() {
        return column;
    }

    /** The new value of a non-NULL value. Throw IllegalArgumentException with a sentence if it cannot be. */
    protected abstract String convert(String value);

    /** The column in the output schema; the default keeps it. */
    protected Column mapColumn(Column c) {
        return c;
    }

    @Override
    protected final TableSchema map(TableSchema source) {
        Column old = requireColumn(source, column);
        Column now = mapColumn(old);
        if (now.equals(old)) {
            return source;
        }
        List<Column> cols = new ArrayList<>(source.columns());
        cols.set(source.indexOf(column), now);
        return source.withColumns(cols, source.key());
    }

    @Override
    public Set<String> reads(TableId t) {
        return Set.of(column);
    }

    @Override
    public List<Row> apply(Row row) {
        TableSchema out = mapSchema(row.schema());
        Row r = out == row.schema() ? row : row.reshape(out);
        if (!r.has(column)) {
            return List.of(r);
        }
        String v = r.get(column);
        if (v == null) {
            return List.of(r);
        }
        String converted;
        try {
            converted = convert(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("value " + Expression.quote(v) + " of column " + column + ": "
                    + e.getMessage(), e);
        }
        return List.of(r.with(column, converted));
    }
}
