package dev.ferry.switchover.internal;

import dev.ferry.core.Queries;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * The tables other than the originals that the in-place swap must lock, through foreign keys: {@code parents} are
 * referenced by an original (re-creating those keys on the new table takes {@code SHARE ROW EXCLUSIVE} on them) and
 * {@code children} reference an original (the swap drops and re-adds their keys: {@code ACCESS EXCLUSIVE}). Both
 * sorted, without the originals.
 */
public record SwapNeighbours(List<TableId> parents, List<TableId> children) {

    public static SwapNeighbours read(Connection c, Collection<TableId> originals) throws SQLException {
        Object[] names = originals.stream().map(TableId::quoted).toArray();
        TreeSet<TableId> parents = new TreeSet<>(keys(c, "confrelid", "conrelid", names));
        TreeSet<TableId> children = new TreeSet<>(keys(c, "conrelid", "confrelid", names));
        parents.removeAll(originals);
        children.removeAll(originals);
        // A table both referenced and referencing is locked as a child: the stronger need.
        parents.removeAll(children);
        return new SwapNeighbours(List.copyOf(parents), List.copyOf(children));
    }

    /** The tables at {@code end} of the foreign keys whose {@code start} is one of the tables. */
    private static List<TableId> keys(Connection c, String end, String start, Object[] tables) throws SQLException {
        return Queries.rows(c, "SELECT DISTINCT n.nspname, r.relname FROM pg_constraint k "
                + "JOIN pg_class r ON r.oid = k." + end + " JOIN pg_namespace n ON n.oid = r.relnamespace "
                + "WHERE k.contype = 'f' AND k." + start + " IN (SELECT x::regclass FROM unnest(?::text[]) x)",
                rs -> new TableId(rs.getString(1), rs.getString(2)), c.createArrayOf("text", tables));
    }
}
