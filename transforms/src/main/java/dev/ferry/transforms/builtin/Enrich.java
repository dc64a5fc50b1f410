package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Fills a column from a row of another source table, found by key through the {@link Lookup} Ferry supplies
 * (see {@link dev.ferry.transforms.TransformContext}). The user story: {@code transaction_details.user_id}
 * comes from {@code transactions.user_id}, the transaction found by {@code transactions.id =
 * transaction_details.transaction_id}.
 *
 * <p>A new column is added at the end with {@code column_type:} (default {@code text}); an existing one is
 * overwritten. When a match column is NULL the result is NULL without a lookup; when it is absent (key-only
 * deletes) the column is left absent. When no row matches, the result is NULL, or with {@code on_missing: fail}
 * the run stops naming the key looked for.
 *
 * <p>Consistency: during the snapshot the lookup reads under the exported snapshot, so each row sees the
 * referenced row as of the snapshot; during streaming it reads the source's current state when the change is
 * applied. A later change to the referenced row does <em>not</em> update rows already enriched. With
 * {@code cache: N} up to N looked-up rows are kept (least recently used evicted); use it only when the
 * referenced rows do not change while Ferry runs.
 *
 * <pre>
 * transforms:
 *   - type: enrich
 *     table: public.transaction_details
 *     column: user_id              # the column to fill
 *     column_type: bigint          # its type when it is new (default text)
 *     from: public.transactions    # the source table to look in
 *     match: {id: transaction_id}  # from-table column: this table's column (several = composite key)
 *     take: user_id                # the from-table column to copy
 *     on_missing: null             # or fail
 *     cache: 10000                 # optional, entries
 * </pre>
 */
public final class Enrich extends TableTransform {
    private final String column;
    private final String type;
    private final TableId from;
    private final Map<String, String> match;
    private final String take;
    private final boolean failOnMissing;
    private final Lookup lookup;
    private final LruCache<List<String>, Hit> cache;

    /**
     * @param match     column of {@code from} to the column of this table whose value it must equal
     * @param cacheSize entries to keep, 0 for no cache
     */
    public Enrich(TableId table, String column, String type, TableId from, Map<String, String> match, String take,
                  boolean failOnMissing, int cacheSize, Lookup lookup) {
        super("enrich", table, column);
        if (match.isEmpty()) {
            throw new IllegalArgumentException("enrich needs at least one match column");
        }
        this.column = column;
        this.type = type == null ? null : BuiltinTypes.canonical(type);
        this.from = from;
        this.match = new LinkedHashMap<>(match);
        this.take = take;
        this.failOnMissing = failOnMissing;
        this.lookup = lookup;
        this.cache = cacheSize > 0 ? new LruCache<>(cacheSize) : null;
    }

    /** The table looked in: the applier may want to know which tables a table's rows depend on. */
    public TableId from() {
        return from;
    }

    @Override
    protected TableSchema map(TableSchema source) {
        for (String c : match.values()) {
            requireColumn(source, c);
        }
        if (source.indexOf(column) >= 0) {
            return source;
        }
        String t = type == null ? "text" : type;
        List<Column> cols = new ArrayList<>(source.columns());
        cols.add(Column.of(column, t).withType(t, BuiltinTypes.isBuiltin(t)));
        return source.withColumns(cols, source.key());
    }

    @Override
    public Set<String> reads(TableId t) {
        return Set.copyOf(match.values());
    }

    @Override
    public List<Row> apply(Row row) {
        return List.of(fill(row, values -> cache == null ? hit(values, lookup.find(from, key(values)))
                : cache.computeIfAbsent(values, v -> hit(v, lookup.find(from, key(v))))));
    }

    /**
     * Looks up the keys of all rows at once ({@link Lookup#findAll}, one query in core's implementation), then
     * fills each row. A row that fails (on_missing: fail) is named in its own {@link TransformException}.
     */
    @Override
    public List<List<Row>> applyEach(List<Row> rows) {
        Map<List<String>, Hit> hits = new HashMap<>();
        Map<List<String>, Map<String, String>> wanted = new LinkedHashMap<>();
        for (Row row : rows) {
            List<String> values = matchValues(row);
            if (values == null || hits.containsKey(values) || wanted.containsKey(values)) {
                continue;
            }
            Hit cached = cache == null ? null : cache.get(values);
            if (cached != null) {
                hits.put(values, cached);
            } else {
                wanted.put(values, key(values));
            }
        }
        if (!wanted.isEmpty()) {
            Map<Map<String, String>, Map<String, String>> found = lookup.findAll(from, List.copyOf(wanted.values()));
            wanted.forEach((values, key) -> {
                Hit h = hit(values, Optional.ofNullable(found.get(key)));
                hits.put(values, h);
                if (cache != null) {
                    cache.put(values, h);
                }
            });
        }
        List<List<Row>> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            try {
                out.add(List.of(fill(row, hits::get)));
            } catch (RuntimeException e) {
                throw new TransformException(name(), row, e);
            }
        }
        return out;
    }

    /** The row with the column filled: absent when a match column is absent, NULL when one is NULL. */
    private Row fill(Row row, Function<List<String>, Hit> resolve) {
        Row r = row.reshape(mapSchema(row.schema()));
        for (String c : match.values()) {
            if (!row.has(c)) {
                return r;
            }
        }
        List<String> values = matchValues(row);
        if (values == null) {
            return r.with(column, null);
        }
        Hit hit = resolve.apply(values);
        if (!hit.matched() && failOnMissing) {
            throw new IllegalArgumentException("no row of " + from + " has " + describe(values)
                    + "; fix the data, or set on_missing: null");
        }
        return r.with(column, hit.value());
    }

    /** The match values in match order, or null when one is absent or NULL (nothing to look up). */
    private List<String> matchValues(Row row) {
        List<String> values = new ArrayList<>(match.size());
        for (String c : match.values()) {
            if (!row.has(c) || row.get(c) == null) {
                return null;
            }
            values.add(row.get(c));
        }
        return values;
    }

    /** The outcome of one lookup: whether a row matched, and its value (NULL either way when it did not). */
    private record Hit(boolean matched, String value) {}

    private Map<String, String> key(List<String> values) {
        Map<String, String> key = new LinkedHashMap<>();
        int i = 0;
        for (String fromColumn : match.keySet()) {
            key.put(fromColumn, values.get(i++));
        }
        return key;
    }

    private Hit hit(List<String> values, Optional<Map<String, String>> found) {
        if (found.isEmpty()) {
            return new Hit(false, null);
        }
        if (!found.get().containsKey(take)) {
            throw new IllegalArgumentException("the row of " + from + " with " + describe(values) + " has no column "
                    + take + "; check take: (columns: " + String.join(", ", found.get().keySet()) + ")");
        }
        return new Hit(true, found.get().get(take));
    }

    private String describe(List<String> values) {
        List<String> keys = new ArrayList<>(match.keySet());
        return java.util.stream.IntStream.range(0, keys.size())
                .mapToObj(i -> keys.get(i) + "=" + values.get(i)).collect(Collectors.joining(", "));
    }

}
