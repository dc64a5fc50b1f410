package dev.ferry.transforms;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A configured transform made to reach the partitions of the table it names ({@link TransformChain#withPartitions}):
 * the publication publishes each partition under its own name (no {@code publish_via_partition_root}), so without it
 * a transform for a partitioned table would see none of its rows. A partition keeps its own name (a
 * {@code rename-table} of the parent renames only the parent; the partition is created {@code PARTITION OF} it).
 */
public final class PartitionTransform implements Transform {
    private final Transform inner;
    /** Partition to its root's name where this transform runs, for the partitions without transforms of their own. */
    private final Map<TableId, TableId> roots;

    PartitionTransform(Transform inner, Map<TableId, TableId> roots) {
        this.inner = inner;
        this.roots = roots;
    }

    /** The table the inner transform was configured for: the partition's root, or the table itself. */
    private TableId configured(TableId id) {
        TableId root = roots.get(id);
        return root != null && !inner.touches(id) && inner.touches(root) ? root : id;
    }

    private boolean viaRoot(TableId id) {
        return !configured(id).equals(id);
    }

    /** The transform as configured. */
    public Transform inner() {
        return inner;
    }

    /** The transform as configured, whether or not it was made to reach partitions. */
    public static Transform unwrap(Transform t) {
        return t instanceof PartitionTransform p ? p.inner : t;
    }

    /** True when the transform, as configured, names this table itself (not through its root). */
    public static boolean names(Transform t, TableId table) {
        return unwrap(t).touches(table);
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public boolean touches(TableId table) {
        return inner.touches(table) || viaRoot(table);
    }

    @Override
    public TableSchema mapSchema(TableSchema source) {
        TableSchema out = inner.mapSchema(source);
        return viaRoot(source.id()) ? out.withId(source.id()) : out;
    }

    @Override
    public TableId renames(TableId table) {
        return viaRoot(table) ? table : inner.renames(table);
    }

    @Override
    public Set<String> reads(TableId table) {
        return inner.reads(configured(table));
    }

    @Override
    public boolean filters(TableId table) {
        return inner.filters(configured(table));
    }

    @Override
    public String inputColumn(TableSchema input, String outputColumn) {
        return inner.inputColumn(input, outputColumn);
    }

    @Override
    public boolean preservesText(TableSchema input) {
        return inner.preservesText(input);
    }

    @Override
    public List<String> targetSetup() {
        return inner.targetSetup();
    }

    @Override
    public List<Row> apply(Row row) {
        return keepName(row, inner.apply(row));
    }

    @Override
    public List<List<Row>> applyEach(List<Row> rows) {
        List<List<Row>> out = inner.applyEach(rows);
        return java.util.stream.IntStream.range(0, rows.size()).mapToObj(i -> keepName(rows.get(i), out.get(i))).toList();
    }

    private List<Row> keepName(Row in, List<Row> out) {
        if (!viaRoot(in.table())) {
            return out;
        }
        return out.stream().map(r -> r.table().equals(in.table()) ? r : r.reshape(r.schema().withId(in.table())))
                .toList();
    }

    @Override
    public String toString() {
        return inner.toString();
    }
}
