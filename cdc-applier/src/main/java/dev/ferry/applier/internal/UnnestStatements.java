package dev.ferry.applier.internal;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The apply's multi-row statements in a fixed shape: one {@code text[]} parameter per column, spread into rows by
 * {@code unnest}, each value cast to its column's type as a single-row {@code ?::type} would be. The text depends
 * only on the table and the columns written, never on the number of rows, so pgjdbc's statement cache and the
 * target's server-side prepare parse and plan it once per shape (a {@code VALUES} list of n rows is a new statement
 * for every n). Rows arrive as text (pgoutput's), so text arrays lose nothing.
 *
 * <p>Parameters, in order: for {@link #upsert}/{@link #insert} the columns given; for {@link #update} the columns
 * set, then the key columns; for {@link #delete} the key columns. Each is an array with one element per row.
 * A statement must not carry one key twice (an upsert would fail, an update would pick one row's values): the
 * writer's batches never do.
 */
final class UnnestStatements {
    private UnnestStatements() {}

    /** Insert the rows; an existing key takes the rows' values of these columns (or is left as it is). */
    static String upsert(TableSchema t, List<Column> cols) {
        String conflict = t.key().stream().map(Identifiers::quote).collect(Collectors.joining(", "));
        List<Column> rest = cols.stream().filter(col -> !t.key().contains(col.name())).toList();
        String action = rest.isEmpty() ? " DO NOTHING" : " DO UPDATE SET " + rest.stream()
                .map(col -> col.quotedName() + " = EXCLUDED." + col.quotedName()).collect(Collectors.joining(", "));
        return insert(t, cols) + " ON CONFLICT (" + conflict + ")" + action;
    }

    /** Insert the rows as they are (a keyless table's). */
    static String insert(TableSchema t, List<Column> cols) {
        boolean identityAlways = cols.stream().anyMatch(col -> "a".equals(col.identity()));
        return "INSERT INTO " + t.id().quoted() + " (" + cols.stream().map(Column::quotedName)
                .collect(Collectors.joining(", ")) + ")" + (identityAlways ? " OVERRIDING SYSTEM VALUE" : "")
                + " SELECT " + casts(cols, 0) + " FROM " + unnest(cols.size());
    }

    /** Set these (non-key) columns of the rows found by key. */
    static String update(TableSchema t, List<Column> set) {
        List<Column> key = keyColumns(t);
        List<String> assignments = new ArrayList<>();
        for (int i = 0; i < set.size(); i++) {
            assignments.add(set.get(i).quotedName() + " = " + cast(set.get(i), i));
        }
        return "UPDATE " + t.id().quoted() + " AS x SET " + String.join(", ", assignments)
                + " FROM " + unnest(set.size() + key.size()) + " WHERE " + keyMatch(key, set.size());
    }

    /** Delete the rows found by key. */
    static String delete(TableSchema t) {
        List<Column> key = keyColumns(t);
        return "DELETE FROM " + t.id().quoted() + " AS x USING " + unnest(key.size()) + " WHERE " + keyMatch(key, 0);
    }

    static List<Column> keyColumns(TableSchema t) {
        return t.key().stream().map(k -> t.column(k).orElseThrow()).toList();
    }

    private static String keyMatch(List<Column> key, int from) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            parts.add("x." + key.get(i).quotedName() + " = " + cast(key.get(i), from + i));
        }
        return String.join(" AND ", parts);
    }

    private static String casts(List<Column> cols, int from) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < cols.size(); i++) {
            out.add(cast(cols.get(i), from + i));
        }
        return String.join(", ", out);
    }

    private static String cast(Column col, int i) {
        return "u.v" + (i + 1) + "::" + col.type();
    }

    /** {@code unnest(?::text[], ...) AS u(v1, ...)}: the positional names keep column names out of the alias. */
    private static String unnest(int n) {
        List<String> args = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            args.add("?::text[]");
            names.add("v" + i);
        }
        return "unnest(" + String.join(", ", args) + ") AS u(" + String.join(", ", names) + ")";
    }
}
