package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A column computed from other columns of the same row, with an {@link Expression} or a {@link Template}.
 * A new column is added at the end with {@code column_type:} (default {@code text}); an existing column is
 * overwritten (and given {@code column_type:} if one is set). When a column it reads is absent (key-only deletes),
 * the computed column is left absent too.
 *
 * <pre>
 * transforms:
 *   - type: compute
 *     table: public.users
 *     column: full_name
 *     template: '{first_name} {last_name}'
 *   - type: compute
 *     table: public.orders
 *     column: total
 *     column_type: numeric(12,2)
 *     expression: round(quantity * unit_price * (1 + vat_rate / 100), 2)
 *   - type: compute
 *     table: public.users
 *     column: email
 *     expression: lower(trim(email))
 * </pre>
 */
public final class Compute extends TableTransform {
    private final String column;
    private final String type;
    private final Formula formula;

    /** @param type the column's type, null to keep an existing column's type or use text for a new one */
    public Compute(TableId table, String column, String type, Formula formula) {
        super("compute", table, column);
        this.column = column;
        this.type = type == null ? null : BuiltinTypes.canonical(type);
        this.formula = formula;
    }

    @Override
    protected TableSchema map(TableSchema source) {
        for (String c : formula.columns()) {
            requireColumn(source, c);
        }
        List<Column> cols = new ArrayList<>(source.columns());
        int i = source.indexOf(column);
        if (i < 0) {
            String t = type == null ? "text" : type;
            cols.add(Column.of(column, t).withType(t, BuiltinTypes.isBuiltin(t)));
        } else if (type != null && !type.equals(cols.get(i).type())) {
            Column c = cols.get(i);
            cols.set(i, new Column(column, type, BuiltinTypes.isBuiltin(type), c.notNull(), null, null, null, null));
        }
        return source.withColumns(cols, source.key());
    }

    @Override
    public Set<String> reads(TableId t) {
        return formula.columns();
    }

    @Override
    public List<Row> apply(Row row) {
        Row r = row.reshape(mapSchema(row.schema()));
        for (String c : formula.columns()) {
            if (!row.has(c)) {
                return List.of(r);
            }
        }
        return List.of(r.with(column, formula.evaluateText(row)));
    }
}
