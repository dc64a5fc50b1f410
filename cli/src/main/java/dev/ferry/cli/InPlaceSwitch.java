package dev.ferry.cli;

import dev.ferry.core.Db;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.SequenceInfo;
import dev.ferry.core.inplace.InPlacePlan;
import dev.ferry.core.state.StateStore;
import dev.ferry.snapshot.DeferredBuilds;
import dev.ferry.switchover.InPlaceFence;
import dev.ferry.switchover.MigratedTables;
import dev.ferry.switchover.Switchover;
import dev.ferry.transforms.TableId;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code ferry switch --in-place}: the switch's state machine with the {@link InPlaceFence}, whose commit swaps the
 * shadow tables into place. The sequences are the source's own (the swap re-owns and widens them), so the switch
 * carries none; the objects stay where they are (the swap carries what pointed at the originals).
 */
final class InPlaceSwitch {
    private InPlaceSwitch() {}

    static int run(Settings s, StateStore store, String publication, Duration timeout, String then, boolean abort,
                   PrintWriter out) {
        InPlacePlan plan = s.inPlace();
        MigratedTables tables = MigratedTables.read(s.source(), publication);
        InPlaceFence fence = new InPlaceFence(s.source(), tables, plan.shadows(), InPlacePlan.OLD_SCHEMA);
        Switchover sw = new Switchover(s.source(), s.target(), store, fence, tables, out);
        if (abort) {
            out.println(sw.abort());
            return 0;
        }
        Switchover.Options options = new Switchover.Options(timeout, 0, then, ownSequences(s, store),
                () -> {
                    DeferredBuilds.requireBuilt(store);
                    fence.prepare();
                }, () -> { });
        Switchover.Result r = sw.run(options);
        for (String note : fence.materializedViews()) {
            out.println("The " + note + ".");
        }
        if (r.note() != null) {
            out.println("Swapped in place: " + r.note() + ".");
            // The switch that swapped was stopped after the commit, perhaps before it validated the foreign keys.
            fence.resumeValidation(placed(store));
            validate(fence, out);
            return 0;
        }
        out.printf("Swapped %d table(s) in place (originals in %s): writes were held for %d ms, reads of the swapped "
                + "tables for %d ms (drained to the fence %s in %d ms).%n", plan.shadows().size(),
                InPlacePlan.OLD_SCHEMA, r.heldMillis(), fence.readsHeld().toMillis(), r.fence(), r.drainMillis());
        if (!fence.lockWaits().isEmpty()) {
            out.println("The swap's locks took " + (fence.lockWaits().size() + 1) + " attempts; blocked by: "
                    + String.join("; ", fence.lockWaits()));
        }
        validate(fence, out);
        return 0;
    }

    /** The run's tables as the swap places them: each shadow's name in its original's schema. */
    private static List<TableId> placed(StateStore store) {
        return store.targetTables().entrySet().stream()
                .map(e -> new TableId(e.getKey().schema(), e.getValue().name())).toList();
    }

    private static void validate(InPlaceFence fence, PrintWriter out) {
        out.flush();
        int n = fence.validateForeignKeys(m -> { });
        if (n > 0) {
            out.println("Validated " + n + " foreign key(s) re-added by the swap.");
        }
    }

    /**
     * The sequences of the run's tables: the same objects on both sides, so the switch must not set them. The tables
     * as the run recorded them, not as the plan finds them now: after a swap whose switch was killed before
     * {@code done}, a referencing column is already {@code bigint}, so the plan no longer rebuilds its table, and the
     * finishing switch refused that table's sequence (used by a table not migrated) on every re-run.
     */
    private static Set<String> ownSequences(Settings s, StateStore store) {
        try (Connection c = Db.open(s.source(), "source", "switch")) {
            // Under the originals' names before the swap, the shadows' names (in the originals' schemas) after it.
            Set<TableId> tables = new java.util.LinkedHashSet<>(store.targetTables().keySet());
            tables.addAll(placed(store));
            return new CatalogReader(c, s.stateSchema()).read(tables).sequences().stream()
                    .map(SequenceInfo::id).map(Object::toString).collect(Collectors.toSet());
        } catch (SQLException e) {
            throw ServerErrors.during("reading the sequences of the rebuilt tables", "source", e);
        }
    }
}
