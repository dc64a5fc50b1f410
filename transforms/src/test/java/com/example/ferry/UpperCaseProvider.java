package com.example.ferry;

import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.Transform;
import dev.ferry.transforms.TransformProvider;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A complete custom transform, as a user would ship it in a jar (also shown in docs/transforms.md): upper-cases
 * one text column. Listed in META-INF/services/dev.ferry.transforms.TransformProvider; selected in ferry.yml by
 *
 * <pre>
 * transforms:
 *   - type: upper-case
 *     table: public.users
 *     column: country
 * </pre>
 */
public final class UpperCaseProvider implements TransformProvider {

    @Override
    public String type() {
        return "upper-case";
    }

    @Override
    public Transform create(Map<String, Object> options) {
        if (!(options.get("table") instanceof String table) || !(options.get("column") instanceof String column)) {
            throw new IllegalArgumentException("upper-case needs table: and column:, e.g. column: country");
        }
        return new UpperCase(TableId.parse(table), column);
    }

    /** Immutable, so safe for the snapshot's concurrent workers. */
    record UpperCase(TableId table, String column) implements Transform {

        @Override
        public String name() {
            return "upper-case " + table + "." + column;
        }

        @Override
        public boolean touches(TableId t) {
            return table.equals(t);
        }

        @Override
        public Set<String> reads(TableId t) {
            return Set.of(column);
        }

        @Override
        public List<Row> apply(Row row) {
            if (!row.has(column) || row.get(column) == null) {
                return List.of(row); // absent (key-only delete, unchanged TOAST) or NULL: leave as is
            }
            return List.of(row.with(column, row.get(column).toUpperCase(Locale.ROOT)));
        }
    }
}
