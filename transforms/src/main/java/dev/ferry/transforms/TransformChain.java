package dev.ferry.transforms;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The configured transforms applied in order: the output rows of one are the input of the next.
 * An empty chain is the identity. Thread-safe when its transforms are.
 *
 * <p>Two levels: {@link #apply(Row)} maps one row (the snapshot, dry runs, verify), and
 * {@link #applyChange(Op, Row, Row)} maps one source change into the target changes it implies (the stream),
 * including updates that cross a filter and key-only deletes. Built with
 * {@code dev.ferry.transforms.config.TransformConfig.build(...)} from ferry.yml.
 */
public final class TransformChain {
    private final List<Transform> transforms;
    private final Map<TableSchema, Set<String>> readsBySource = new ConcurrentHashMap<>();

    public TransformChain(List<Transform> transforms) {
        this.transforms = List.copyOf(transforms);
    }

    public static TransformChain identity() {
        return new TransformChain(List.of());
    }

    /**
     * This chain made to reach partitions: a partition that no transform names takes the transforms of its root
     * (the partitioned table at the top of its tree). Logical replication and the snapshot see each partition under
     * its own name, so a transform configured for a partitioned table would otherwise reach none of its rows. The one
     * place partitions are mapped to their root for the transforms; the caller reads the tree from the catalog once.
     *
     * @param roots each partition (at any depth) to its root
     */
    public TransformChain withPartitions(Map<TableId, TableId> roots) {
        // From the transforms as configured, so that a chain extended after an earlier call is mapped as a whole.
        List<Transform> configured = transforms.stream().map(PartitionTransform::unwrap).toList();
        Map<TableId, TableId> reached = new LinkedHashMap<>();
        roots.forEach((leaf, root) -> {
            if (configured.stream().noneMatch(t -> t.touches(leaf)) && configured.stream().anyMatch(t -> t.touches(root))) {
                reached.put(leaf, root);
            }
        });
        if (reached.isEmpty()) {
            return new TransformChain(configured);
        }
        // Transforms after a rename-table of the root name it by its new name: follow it along the chain.
        List<Transform> out = new ArrayList<>(configured.size());
        Map<TableId, TableId> current = new LinkedHashMap<>(reached);
        for (Transform t : configured) {
            out.add(new PartitionTransform(t, Map.copyOf(current)));
            current.replaceAll((leaf, root) -> t.renames(root));
        }
        return new TransformChain(out);
    }

    /** The transforms in the order they run. */
    public List<Transform> transforms() {
        return transforms;
    }

    /** True when no transform touches the table: the snapshot may pipe its COPY bytes unparsed. */
    public boolean passesThrough(TableId table) {
        for (Transform t : transforms) {
            if (t.touches(table)) {
                return false;
            }
        }
        return true;
    }

    public TableSchema mapSchema(TableSchema source) {
        TableSchema s = source;
        for (Transform t : transforms) {
            if (t.touches(s.id())) {
                s = t.mapSchema(s);
            }
        }
        return s;
    }

    /**
     * True when the transforms touching this table only rename it, rename columns or widen integer columns
     * (each {@link Transform#preservesText}), so text-format COPY data of the source table can be copied unparsed
     * into {@link #mapSchema mapSchema(source)}: the fast path for an {@code int → bigint} key change.
     */
    public boolean copiesTextUnchanged(TableSchema source) {
        TableSchema s = source;
        for (Transform t : transforms) {
            if (t.touches(s.id())) {
                if (!t.preservesText(s)) {
                    return false;
                }
                s = t.mapSchema(s);
            }
        }
        return true;
    }

    /**
     * The transforms that touch none of these source tables at their place in the chain: almost always a
     * mistake, such as naming a table by its old name after a {@code rename-table}, or a table left out of
     * {@code --tables}. {@code check} and {@code diff} should report them.
     */
    public List<Transform> unused(Collection<TableSchema> sources) {
        Set<Transform> used = Collections.newSetFromMap(new IdentityHashMap<>());
        for (TableSchema source : sources) {
            TableSchema s = source;
            for (Transform t : transforms) {
                if (t.touches(s.id())) {
                    used.add(t);
                    s = t.mapSchema(s);
                }
            }
        }
        return transforms.stream().filter(t -> !used.contains(t)).toList();
    }

    /** SQL to run on the target before creating tables (e.g. new enum types), in order, without repeats. */
    public List<String> targetSetup() {
        Set<String> sql = new LinkedHashSet<>();
        for (Transform t : transforms) {
            sql.addAll(t.targetSetup());
        }
        return List.copyOf(sql);
    }

    public List<Row> apply(Row row) {
        List<Row> rows = List.of(row);
        for (Transform t : transforms) {
            List<Row> next = new ArrayList<>(rows.size());
            for (Row r : rows) {
                if (!t.touches(r.table())) {
                    next.add(r);
                    continue;
                }
                try {
                    next.addAll(t.apply(r));
                } catch (TransformException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new TransformException(t.name(), r, e);
                }
            }
            rows = next;
        }
        return rows;
    }

    /**
     * {@link #apply} for a batch of rows (the snapshot's), giving each transform the whole batch at once
     * ({@link Transform#applyEach}) so enrichment can look keys up in one query. The output is what applying
     * each row in turn would give, in the same order.
     */
    public List<Row> applyAll(List<Row> rows) {
        List<Row> current = rows;
        for (Transform t : transforms) {
            List<Row> touched = new ArrayList<>();
            for (Row r : current) {
                if (t.touches(r.table())) {
                    touched.add(r);
                }
            }
            if (touched.isEmpty()) {
                continue;
            }
            List<List<Row>> outputs;
            try {
                outputs = t.applyEach(touched);
            } catch (TransformException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new TransformException(t.name(), touched.get(0), e);
            }
            List<Row> next = new ArrayList<>(current.size());
            int i = 0;
            for (Row r : current) {
                if (t.touches(r.table())) {
                    next.addAll(outputs.get(i++));
                } else {
                    next.add(r);
                }
            }
            current = next;
        }
        return current;
    }

    /**
     * The columns of the <em>source</em> table the transforms read (each transform's {@link Transform#reads},
     * traced back through earlier renames). An insert or update must carry all of them.
     */
    public Set<String> reads(TableSchema source) {
        return readsBySource.computeIfAbsent(source, this::traceReads);
    }

    /**
     * The read columns (see {@link #reads}) this source row lacks: what the applier must fetch (from the
     * source, or the target when the row is known to be there) before calling {@link #applyChange} with a
     * partial update. Empty for complete rows.
     */
    public Set<String> missingReads(Row sourceRow) {
        return sourceRow.missing(reads(sourceRow.schema()));
    }

    /** True when a transform may filter rows of this source table out (so updates can cross the filter). */
    public boolean filters(TableSchema source) {
        TableSchema s = source;
        for (Transform t : transforms) {
            if (t.touches(s.id())) {
                if (t.filters(s.id())) {
                    return true;
                }
                s = t.mapSchema(s);
            }
        }
        return false;
    }

    /** A source TRUNCATE: truncates the table the source table becomes (after renames). */
    public List<RowChange> truncate(TableSchema source) {
        return List.of(RowChange.truncate(mapSchema(source).id()));
    }

    /**
     * Maps one source change to the target changes it implies. Rows are source rows ({@link Row}s of the source
     * table's schema); the result is in apply order (deletes first).
     *
     * <ul>
     *   <li>{@code INSERT} ({@code after}): the transformed rows as inserts (upserts by key).</li>
     *   <li>{@code DELETE} ({@code before}, at least its key): key-only deletes of the transformed rows, the key
     *       mapped through renames and type changes. Filters keep key-only rows, so a delete is always passed on
     *       (a row the target never had is deleted harmlessly).</li>
     *   <li>{@code TRUNCATE} (either row, any columns, only its table matters): see {@link #truncate}.</li>
     *   <li>{@code UPDATE} ({@code after}, {@code before} or null): when {@code before} carries every read
     *       column ({@code REPLICA IDENTITY FULL}), both are transformed and matched on target table and key:
     *       in both → update; only before (the row left a filter) → delete; only after (the row entered a
     *       filter) → insert, which needs a complete {@code after}; a key that changed → delete of the old key
     *       plus insert of the new row (complete {@code after} needed). When {@code before} is unknown
     *       (null or just the key, as with the default replica identity) and no filter applies to the table →
     *       updates (plus delete + insert if {@code before}'s key differs). When a filter applies, the outcome
     *       cannot be told from the target alone, so {@code after} must be complete: passing rows become
     *       inserts (upserts), and a row filtered out becomes a delete of its key.</li>
     * </ul>
     *
     * @throws IncompleteRowException when {@code after} lacks columns this change needs (unchanged TOAST):
     *         complete it from the source ({@link Row#withAll}) and call again
     * @throws TransformException when a transform fails (names transform, table, key and the problem)
     */
    public List<RowChange> applyChange(Op op, Row before, Row after) {
        return switch (op) {
            case TRUNCATE -> truncate((before != null ? before : after).schema());
            case INSERT -> {
                requireReads(after, "the transforms read");
                yield apply(after).stream().map(RowChange::insert).toList();
            }
            case DELETE -> apply(before.identityOnly()).stream().map(RowChange::delete).toList();
            case UPDATE -> applyUpdate(before, after);
        };
    }

    private List<RowChange> applyUpdate(Row before, Row after) {
        requireReads(after, "the transforms read");
        List<Row> afterRows = apply(after);
        Map<RowKey, Row> out = byKey(afterRows);
        if (before != null && missingReads(before).isEmpty()) {
            return matched(byKey(apply(before)), out, after);
        }
        boolean filtered = filters(after.schema());
        if (filtered) {
            requireComplete(after, "a filter applies and the row may have just entered it");
        }
        // Keys the change may leave behind on the target: the key of after (filtered out now) and of before.
        Map<RowKey, Row> stale = byKey(apply(after.identityOnly()));
        if (before != null) {
            stale.putAll(byKey(apply(before.identityOnly())));
        }
        List<RowChange> changes = new ArrayList<>();
        stale.forEach((key, row) -> {
            if (!out.containsKey(key)) {
                changes.add(RowChange.delete(row));
            }
        });
        boolean keyChanged = before != null && !before.identityOnly().asMap().equals(after.identityOnly().asMap());
        if (keyChanged && !filtered) {
            requireComplete(after, "its key changed, so it is written as a new row");
        }
        for (Row r : afterRows) {
            changes.add(filtered || keyChanged ? RowChange.insert(r) : RowChange.update(r));
        }
        return changes;
    }

    private static List<RowChange> matched(Map<RowKey, Row> before, Map<RowKey, Row> after, Row sourceAfter) {
        List<RowChange> changes = new ArrayList<>();
        before.forEach((key, row) -> {
            if (!after.containsKey(key)) {
                changes.add(RowChange.delete(row));
            }
        });
        after.forEach((key, row) -> {
            if (before.containsKey(key)) {
                changes.add(RowChange.update(row));
            } else {
                requireComplete(sourceAfter, "the row is new on the target (it entered a filter or its key changed)");
                changes.add(RowChange.insert(row));
            }
        });
        return changes;
    }

    private void requireReads(Row row, String why) {
        Set<String> missing = missingReads(row);
        if (!missing.isEmpty()) {
            throw new IncompleteRowException(row.table(), missing, why);
        }
    }

    private static void requireComplete(Row row, String why) {
        if (!row.complete()) {
            throw new IncompleteRowException(row.table(), new LinkedHashSet<>(row.absentColumns()), why);
        }
    }

    /** A target row's identity: table plus identity values. */
    private record RowKey(TableId table, Map<String, String> key) {}

    private static Map<RowKey, Row> byKey(List<Row> rows) {
        Map<RowKey, Row> m = new LinkedHashMap<>();
        for (Row r : rows) {
            m.put(new RowKey(r.table(), r.identityOnly().asMap()), r);
        }
        return m;
    }

    private Set<String> traceReads(TableSchema source) {
        Set<String> reads = new LinkedHashSet<>();
        Map<String, String> lineage = new HashMap<>();
        for (Column c : source.columns()) {
            lineage.put(c.name(), c.name());
        }
        TableSchema s = source;
        for (Transform t : transforms) {
            if (!t.touches(s.id())) {
                continue;
            }
            for (String c : t.reads(s.id())) {
                String origin = lineage.get(c);
                if (origin != null) {
                    reads.add(origin);
                }
            }
            TableSchema next = t.mapSchema(s);
            Map<String, String> nextLineage = new HashMap<>();
            for (Column c : next.columns()) {
                String in = t.inputColumn(s, c.name());
                if (in != null && lineage.get(in) != null) {
                    nextLineage.put(c.name(), lineage.get(in));
                }
            }
            s = next;
            lineage = nextLineage;
        }
        return Collections.unmodifiableSet(reads);
    }
}
