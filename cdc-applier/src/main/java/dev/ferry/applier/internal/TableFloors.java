package dev.ferry.applier.internal;

import dev.ferry.applier.debezium.TruncateOptions;
import dev.ferry.core.Lsn;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Tables copied again from a fresh snapshot after a crash (a keyless table cannot converge by key, so it is
 * truncated and copied whole at that snapshot's position, its floor). Their changes in source transactions that
 * committed at or below the floor are in the copy already. A change's own LSN decides only one way: above the
 * floor, its transaction commits above it too; at or below, the commit LSN (known at END) decides, so such
 * changes wait here until END, and so do the table's later changes in the same transaction, so that its changes
 * keep their order. Only transactions that straddle the floor wait; once the target's position passes a floor it
 * is forgotten.
 */
final class TableFloors {

    /** A change waiting for its transaction's commit LSN. */
    record Held(TableSchema table, Op op, Row before, Row after, boolean keyMovedAway, boolean keyMovedHere,
                TruncateOptions truncate) {}

    private final Map<TableId, Lsn> floors = new HashMap<>();
    private final List<Held> held = new ArrayList<>();
    /** Tables with a change waiting in this transaction: their later changes wait behind it, in order. */
    private final Set<TableId> waiting = new HashSet<>();

    TableFloors(Map<TableId, Lsn> floors, Lsn applied) {
        this.floors.putAll(floors);
        passed(applied);
    }

    /** True when a change of {@code table} at {@code lsn} must wait for its transaction's END. */
    boolean defers(TableId table, Lsn lsn) {
        Lsn floor = floors.get(table);
        return floor != null && (lsn == null || !lsn.isAfter(floor) || waiting.contains(table));
    }

    void hold(Held change) {
        held.add(change);
        waiting.add(change.table().id());
    }

    /** The transaction commits at {@code commit}: the waiting changes above their table's floor are applied. */
    void release(Lsn commit, Consumer<Held> apply) {
        if (held.isEmpty()) {
            return;
        }
        List<Held> now = List.copyOf(held);
        held.clear();
        waiting.clear();
        for (Held h : now) {
            if (commit.isAfter(floors.getOrDefault(h.table().id(), Lsn.ZERO))) {
                apply.accept(h);
            }
        }
    }

    /** The target committed at {@code lsn}: floors at or below it can no longer hold anything back. */
    void passed(Lsn lsn) {
        if (lsn != null) {
            floors.values().removeIf(f -> !f.isAfter(lsn));
        }
    }
}
