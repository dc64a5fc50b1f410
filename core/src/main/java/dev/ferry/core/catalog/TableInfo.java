package dev.ferry.core.catalog;

import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.List;

/**
 * Everything Ferry knows about one source table.
 *
 * @param schema          columns and primary key, the form transforms see
 * @param partitioned     true for a partitioned (parent) table, which holds no rows itself
 * @param partitionKey    {@code pg_get_partkeydef}, e.g. {@code RANGE (created_at)}, or null
 * @param parent          the partitioned table this is a partition of, or null
 * @param partitionBound  {@code pg_get_expr(relpartbound)}, e.g. {@code FOR VALUES FROM (...) TO (...)}, or null
 * @param replicaIdentity {@code d} default, {@code f} full, {@code i} index, {@code n} nothing
 * @param indexes         every index except the primary key's
 * @param constraints     unique, check, exclusion and foreign-key constraints (not the primary key, not NOT NULL)
 * @param estimatedRows   {@code reltuples}, -1 when never analysed
 * @param bytes           heap size in bytes
 */
public record TableInfo(
        TableSchema schema,
        boolean partitioned,
        String partitionKey,
        TableId parent,
        String partitionBound,
        char replicaIdentity,
        String primaryKeyName,
        List<IndexInfo> indexes,
        List<ConstraintInfo> constraints,
        long estimatedRows,
        long bytes) {

    public TableId id() {
        return schema.id();
    }

    /** True when logical replication can identify its rows: a primary key, or REPLICA IDENTITY FULL. */
    public boolean replicable() {
        return schema.hasKey() || replicaIdentity == 'f';
    }

    public List<ConstraintInfo> foreignKeys() {
        return constraints.stream().filter(c -> c.kind() == ConstraintInfo.Kind.FOREIGN_KEY).toList();
    }
}
