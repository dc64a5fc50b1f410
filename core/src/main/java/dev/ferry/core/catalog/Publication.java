package dev.ferry.core.catalog;

import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The run's publication on the source: the one place that reads which tables it carries. */
public final class Publication {
    private Publication() {}

    /** The tables {@code publication} publishes, as {@code pg_publication_tables} lists them; empty when it is gone. */
    public static List<TableId> tables(Connection source, String publication) throws SQLException {
        List<TableId> ids = new ArrayList<>();
        try (PreparedStatement ps = source.prepareStatement("SELECT schemaname, tablename FROM pg_publication_tables "
                + "WHERE pubname = ? ORDER BY 1, 2")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(new TableId(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return ids;
    }

    /**
     * Every relation the published tables stand for: each table, for a partitioned one all its partitions at every
     * level (a publication may list only the roots), and for a partition every table above it (pgoutput lists
     * leaves, and a statement through the root fires only the root's statement triggers). What a write to the
     * migrated data can go through.
     */
    public static List<TableId> relations(Connection source, String publication) throws SQLException {
        List<TableId> ids = new ArrayList<>();
        // pg_partition_tree lists nothing for a table that is not partitioned: the table itself is added.
        try (PreparedStatement ps = source.prepareStatement("SELECT DISTINCT n.nspname, c.relname FROM "
                + "(SELECT format('%I.%I', schemaname, tablename)::regclass AS r FROM pg_publication_tables "
                + "WHERE pubname = ?) p CROSS JOIN LATERAL (SELECT p.r UNION SELECT relid FROM pg_partition_tree(p.r) "
                + "UNION SELECT relid FROM pg_partition_ancestors(p.r)) t(relid) "
                + "JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY 1, 2")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(new TableId(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return ids;
    }
}
