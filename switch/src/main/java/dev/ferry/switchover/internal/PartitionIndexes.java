package dev.ferry.switchover.internal;

import dev.ferry.core.Queries;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The indexes of a shadow partition renamed to the original partition's names. The shadow root's indexes are built
 * under the original names, but PostgreSQL names each partition's index itself when the root's is created, and an
 * original partition's index may carry a name of its own (created on the partition, then attached). Each pair is
 * matched through the root index it is attached to, which has the same name on both trees; renaming the index
 * renames its constraint (a partition's primary key or unique constraint) with it.
 */
final class PartitionIndexes {
    private PartitionIndexes() {}

    /**
     * The renames, to run once the original moved out (its names are free then) and the shadow partition is in
     * {@code placedSchema}. Read before the move.
     */
    static List<String> renames(Connection c, TableId original, TableId shadow, String placedSchema)
            throws SQLException {
        return Queries.rows(c, "WITH o AS (SELECT i.relname AS name, p.relname AS parent FROM pg_index x "
                + "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_inherits h ON h.inhrelid = i.oid "
                + "JOIN pg_class p ON p.oid = h.inhparent WHERE x.indrelid = ?::regclass), "
                + "s AS (SELECT i.relname AS name, p.relname AS parent FROM pg_index x "
                + "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_inherits h ON h.inhrelid = i.oid "
                + "JOIN pg_class p ON p.oid = h.inhparent WHERE x.indrelid = ?::regclass) "
                + "SELECT s.name, o.name FROM s JOIN o ON o.parent = s.parent WHERE o.name <> s.name ORDER BY 2",
                rs -> "ALTER INDEX " + Identifiers.quote(placedSchema) + '.' + Identifiers.quote(rs.getString(1))
                        + " RENAME TO " + Identifiers.quote(rs.getString(2)), original.quoted(), shadow.quoted());
    }
}
