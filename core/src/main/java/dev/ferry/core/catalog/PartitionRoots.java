package dev.ferry.core.catalog;

import dev.ferry.core.Queries;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Each partition of the database (at any depth) to the root of its tree, read once, for
 * {@link dev.ferry.transforms.TransformChain#withPartitions}: a transform configured for a partitioned table reaches
 * its partitions' rows through it on every path (snapshot, stream, verify, in place).
 */
public final class PartitionRoots {
    private PartitionRoots() {}

    public static Map<TableId, TableId> read(Connection c) throws SQLException {
        Map<TableId, TableId> roots = new LinkedHashMap<>();
        Queries.rows(c, "SELECT n.nspname, k.relname, rn.nspname, r.relname FROM pg_class k "
                + "JOIN pg_namespace n ON n.oid = k.relnamespace JOIN pg_class r ON r.oid = pg_partition_root(k.oid) "
                + "JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE k.relispartition AND k.relkind IN ('r', 'p') "
                + "ORDER BY 1, 2", rs -> roots.put(new TableId(rs.getString(1), rs.getString(2)),
                new TableId(rs.getString(3), rs.getString(4))));
        return roots;
    }
}
