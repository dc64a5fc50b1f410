package dev.ferry.snapshot.internal;

import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.ChunkState;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which copies may load with {@code COPY ... FREEZE}: rows written already frozen and their pages marked
 * all-visible, so the key and index builds that read the table next (and every later reader and vacuum) do not
 * dirty each page again to set hint bits and freeze it. PostgreSQL allows it only into a table created or
 * truncated in the copy's own transaction, so the copy that may use it is one that covers a whole table:
 * {@code TRUNCATE ONLY} then {@code COPY FREEZE} then the chunk's done mark, one transaction. Rolled back (a kill,
 * a lost connection), the table is as it was, empty, and the chunk is copied again the same way; committed, the
 * chunk is done and never truncated again. A table split into ranges is written by several transactions at once
 * and cannot use it.
 *
 * <p>Truncating is only safe for a target table this copy alone writes: not the target of another source table,
 * not referenced by a foreign key on the target (TRUNCATE would refuse), and without triggers of the target's own
 * (a TRUNCATE trigger would fire).
 */
public final class Freeze {
    private Freeze() {}

    /** True when {@code chunk} is a whole table. */
    public static boolean whole(ChunkState chunk) {
        return chunk.lower() == null && chunk.upper() == null;
    }

    /** The source tables whose whole-table copy may truncate and freeze their target table. */
    public static Set<TableId> eligible(Connection target, Collection<TableWork> works) {
        Map<TableId, Integer> writers = new HashMap<>();
        works.forEach(w -> writers.merge(w.targetId(), 1, Integer::sum));
        Set<TableId> out = new HashSet<>();
        try (PreparedStatement ps = target.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_constraint "
                + "WHERE contype = 'f' AND confrelid = to_regclass(?)) OR EXISTS (SELECT 1 FROM pg_trigger "
                + "WHERE tgrelid = to_regclass(?) AND NOT tgisinternal)")) {
            for (TableWork w : works) {
                if (w.source().partitioned() || writers.get(w.targetId()) > 1) {
                    continue;
                }
                ps.setString(1, w.targetId().quoted());
                ps.setString(2, w.targetId().quoted());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        out.add(w.id());
                    }
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the target tables' constraints", "target", e);
        }
        return out;
    }
}
