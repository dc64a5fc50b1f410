package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.Transform;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Base of the built-ins: a transform of one table (named as it is at the transform's place in the chain, i.e.
 * after earlier renames). Mapped schemas are computed once per input schema and cached, because
 * {@link #apply} needs the output schema for every row.
 */
public abstract class TableTransform implements Transform {
    protected final TableId table;
    private final String name;
    private final Map<TableSchema, TableSchema> mapped = new ConcurrentHashMap<>();
    /** Rows of one table share one schema instance: remembering the last pair skips hashing the schema per row. */
    private volatile Mapping last;

    private record Mapping(TableSchema in, TableSchema out) {}

    protected TableTransform(String type, TableId table, String detail) {
        this.table = Objects.requireNonNull(table, "table");
        this.name = type + " " + table + (detail == null ? "" : "." + detail);
    }

    @Override
    public String name() {
        return name;
    }

    public TableId table() {
        return table;
    }

    @Override
    public boolean touches(TableId t) {
        return table.equals(t);
    }

    @Override
    public final TableSchema mapSchema(TableSchema source) {
        Mapping m = last;
        if (m != null && m.in == source) {
            return m.out;
        }
        TableSchema out = mapped.computeIfAbsent(source, this::map);
        last = new Mapping(source, out);
        return out;
    }

    /** The output shape; called once per input schema. The default keeps it. */
    protected TableSchema map(TableSchema source) {
        return source;
    }

    /** The column, or an error naming the transform, the table and the columns there are. */
    protected Column requireColumn(TableSchema schema, String column) {
        return schema.column(column).orElseThrow(() -> new IllegalArgumentException(name + ": table " + schema.id()
                + " has no column \"" + column + "\"; check the name in ferry.yml (columns: "
                + schema.columns().stream().map(Column::name).collect(Collectors.joining(", ")) + ")"));
    }

    protected void requireNoColumn(TableSchema schema, String column) {
        if (schema.indexOf(column) >= 0) {
            throw new IllegalArgumentException(name + ": table " + schema.id() + " already has a column \"" + column
                    + "\"; choose another name or drop that column first");
        }
    }
}
