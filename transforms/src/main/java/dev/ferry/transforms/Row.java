package dev.ferry.transforms;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * One row of a table, each value in PostgreSQL's own text form (what {@code COPY ... TEXT} and {@code ::text}
 * give), {@code null} for SQL NULL. Both the snapshot and the stream meet on this form, and the apply side
 * writes values back with explicit casts to the column type, so no value is reinterpreted in Java.
 *
 * <p>A row may be <em>partial</em>: a column can be absent, which is not the same as NULL. A delete carries
 * only the identity columns; an update may lack columns whose unchanged TOAST value the source did not send.
 * Absent columns are left as they are on the target. Immutable and thread-safe.
 */
public final class Row {
    private final TableSchema schema;
    private final String[] values;
    private final BitSet present;

    private Row(TableSchema schema, String[] values, BitSet present) {
        this.schema = schema;
        this.values = values;
        this.present = present;
    }

    /** A complete row: one value per column of {@code schema}, in column order. */
    public static Row of(TableSchema schema, String... values) {
        if (values.length != schema.columns().size()) {
            throw new IllegalArgumentException(schema.id() + " has " + schema.columns().size()
                    + " columns but the row has " + values.length + " values");
        }
        BitSet all = new BitSet(values.length);
        all.set(0, values.length);
        return new Row(schema, values.clone(), all);
    }

    /** A row holding only the given columns; the others are absent. */
    public static Row partial(TableSchema schema, Map<String, String> values) {
        String[] v = new String[schema.columns().size()];
        BitSet present = new BitSet(v.length);
        values.forEach((name, value) -> {
            int i = requireColumn(schema, name);
            v[i] = value;
            present.set(i);
        });
        return new Row(schema, v, present);
    }

    private static int requireColumn(TableSchema schema, String name) {
        int i = schema.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(schema.id() + " has no column " + name);
        }
        return i;
    }

    public TableSchema schema() {
        return schema;
    }

    public TableId table() {
        return schema.id();
    }

    public boolean has(String column) {
        int i = schema.indexOf(column);
        return i >= 0 && present.get(i);
    }

    public boolean has(int index) {
        return present.get(index);
    }

    /** True when every column is present. */
    public boolean complete() {
        return present.cardinality() == values.length;
    }

    /** The text value, or null for SQL NULL. Asking for an absent column is a bug in the caller. */
    public String get(String column) {
        int i = requireColumn(schema, column);
        if (!present.get(i)) {
            throw new IllegalStateException("column " + column + " of " + schema.id() + " is not in this row");
        }
        return values[i];
    }

    public String get(int index) {
        return values[index];
    }

    public Long getLong(String column) {
        String v = get(column);
        return v == null ? null : Long.valueOf(v);
    }

    public BigDecimal getDecimal(String column) {
        String v = get(column);
        return v == null ? null : new BigDecimal(v);
    }

    /** PostgreSQL writes booleans as {@code t}/{@code f}. */
    public Boolean getBoolean(String column) {
        String v = get(column);
        return v == null ? null : v.equals("t") || v.equalsIgnoreCase("true");
    }

    /** A copy with one column set (present); the schema must have that column. */
    public Row with(String column, String value) {
        int i = requireColumn(schema, column);
        String[] v = values.clone();
        BitSet p = (BitSet) present.clone();
        v[i] = value;
        p.set(i);
        return new Row(schema, v, p);
    }

    /** The same values under another schema whose columns are matched by name; unmatched ones are absent. */
    public Row reshape(TableSchema target) {
        String[] v = new String[target.columns().size()];
        BitSet p = new BitSet(v.length);
        for (int i = 0; i < v.length; i++) {
            int from = schema.indexOf(target.columns().get(i).name());
            if (from >= 0 && present.get(from)) {
                v[i] = values[from];
                p.set(i);
            }
        }
        return new Row(target, v, p);
    }

    /**
     * A copy with several columns set (present), e.g. to complete a partial update with values read from the
     * source; every name must be a column of the schema.
     */
    public Row withAll(Map<String, String> columns) {
        String[] v = values.clone();
        BitSet p = (BitSet) present.clone();
        columns.forEach((name, value) -> {
            int i = requireColumn(schema, name);
            v[i] = value;
            p.set(i);
        });
        return new Row(schema, v, p);
    }

    /**
     * The values under another schema, each target column taking the value of the source column
     * {@code sourceOf} names (null: a new column, absent). Absent source columns stay absent.
     */
    public Row reshape(TableSchema target, UnaryOperator<String> sourceOf) {
        String[] v = new String[target.columns().size()];
        BitSet p = new BitSet(v.length);
        for (int i = 0; i < v.length; i++) {
            String source = sourceOf.apply(target.columns().get(i).name());
            int from = source == null ? -1 : schema.indexOf(source);
            if (from >= 0 && present.get(from)) {
                v[i] = values[from];
                p.set(i);
            }
        }
        return new Row(target, v, p);
    }

    /** The names among {@code columns} that this row lacks (absent, or not columns of its schema). */
    public Set<String> missing(Collection<String> columns) {
        Set<String> m = new LinkedHashSet<>();
        for (String c : columns) {
            if (!has(c)) {
                m.add(c);
            }
        }
        return m;
    }

    /** Names of the absent columns, in column order. */
    public List<String> absentColumns() {
        List<String> m = new ArrayList<>();
        for (int i = present.nextClearBit(0); i < values.length; i = present.nextClearBit(i + 1)) {
            m.add(schema.columns().get(i).name());
        }
        return m;
    }

    /** Only the identity columns (key, or all for keyless tables): what a delete needs. */
    public Row identityOnly() {
        BitSet p = new BitSet(values.length);
        String[] v = new String[values.length];
        for (String k : schema.identity()) {
            int i = schema.indexOf(k);
            p.set(i);
            v[i] = values[i];
        }
        return new Row(schema, v, p);
    }

    /** Present columns and their values, in column order; for journals, messages and tests. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = present.nextSetBit(0); i >= 0; i = present.nextSetBit(i + 1)) {
            m.put(schema.columns().get(i).name(), values[i]);
        }
        return m;
    }

    /** The identity values as a readable key, e.g. {@code id=42}. */
    public String describeKey() {
        StringBuilder sb = new StringBuilder();
        for (String k : schema.identity()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            int i = schema.indexOf(k);
            sb.append(k).append('=').append(present.get(i) ? values[i] : "?");
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Row r && r.schema.id().equals(schema.id()) && r.present.equals(present)
                && Arrays.equals(r.values, values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(schema.id(), Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return schema.id() + asMap().toString();
    }
}
