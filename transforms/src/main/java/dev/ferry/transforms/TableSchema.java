package dev.ferry.transforms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shape of a table rows travel in: its name, its columns in order and the columns that identify a row.
 * Immutable. {@code key} is the primary key, or for a keyless {@code REPLICA IDENTITY FULL} table empty
 * (rows are then matched on every column).
 */
public final class TableSchema {
    private final TableId id;
    private final List<Column> columns;
    private final List<String> key;
    private final Map<String, Integer> positions;

    public TableSchema(TableId id, List<Column> columns, List<String> key) {
        this.id = id;
        this.columns = List.copyOf(columns);
        this.key = List.copyOf(key);
        this.positions = new HashMap<>();
        for (int i = 0; i < this.columns.size(); i++) {
            positions.put(this.columns.get(i).name(), i);
        }
        for (String k : this.key) {
            if (!positions.containsKey(k)) {
                throw new IllegalArgumentException("key column " + k + " is not a column of " + id);
            }
        }
    }

    public TableId id() {
        return id;
    }

    public List<Column> columns() {
        return columns;
    }

    /** Primary-key columns in key order; empty when the table has none. */
    public List<String> key() {
        return key;
    }

    public boolean hasKey() {
        return !key.isEmpty();
    }

    /** The columns that identify a row: the key, or every column of a keyless table. */
    public List<String> identity() {
        if (hasKey()) {
            return key;
        }
        List<String> all = new ArrayList<>();
        for (Column c : columns) {
            if (!c.generated()) {
                all.add(c.name());
            }
        }
        return all;
    }

    /** Position of a column, or -1. */
    public int indexOf(String column) {
        Integer i = positions.get(column);
        return i == null ? -1 : i;
    }

    public Optional<Column> column(String name) {
        int i = indexOf(name);
        return i < 0 ? Optional.empty() : Optional.of(columns.get(i));
    }

    /** Columns whose values travel (generated columns are recomputed by the target). */
    public List<Column> copiedColumns() {
        return columns.stream().filter(c -> !c.generated()).toList();
    }

    public TableSchema withId(TableId newId) {
        return new TableSchema(newId, columns, key);
    }

    public TableSchema withColumns(List<Column> newColumns, List<String> newKey) {
        return new TableSchema(id, newColumns, newKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableSchema t && t.id.equals(id) && t.columns.equals(columns) && t.key.equals(key);
    }

    @Override
    public int hashCode() {
        return id.hashCode() * 31 + columns.hashCode();
    }

    @Override
    public String toString() {
        return id + columns.stream().map(Column::name).toList().toString();
    }
}
