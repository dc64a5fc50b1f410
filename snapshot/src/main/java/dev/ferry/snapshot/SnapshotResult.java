package dev.ferry.snapshot;

import dev.ferry.core.Lsn;
import dev.ferry.core.state.DeferredIndex;
import dev.ferry.core.state.SnapshotStep;
import dev.ferry.transforms.TableId;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a snapshot did.
 *
 * @param consistentLsn the slot's consistent point: streaming starts here
 * @param alreadyDone   true when the run's snapshot had finished before, and nothing was done now
 * @param resumed       true when an interrupted snapshot was continued
 * @param tables        one line per table copied (rows and bytes include work of an earlier, interrupted run)
 * @param resyncLsn     tables (source names) copied in part from a fresh snapshot after the exported one was
 *                      lost, with that snapshot's LSN: they are consistent only once the stream has passed it
 * @param deferred      secondary unique indexes and constraints of those tables, not built yet (recorded in the
 *                      state store; {@link DeferredBuilds} builds them once the stream has applied past their LSN)
 * @param steps         seconds this run spent in each step (also added up in the state store for {@code ferry status})
 */
public record SnapshotResult(
        Lsn consistentLsn,
        String slot,
        String publication,
        boolean alreadyDone,
        boolean resumed,
        List<TableResult> tables,
        Map<TableId, Lsn> resyncLsn,
        List<DeferredIndex> deferred,
        Duration elapsed,
        Map<SnapshotStep, Double> steps) {

    /**
     * @param seconds time spent copying this table in this run
     */
    public record TableResult(TableId source, TableId target, long rows, long bytes, double seconds) {}

    public long totalRows() {
        return tables.stream().mapToLong(TableResult::rows).sum();
    }

    public long totalBytes() {
        return tables.stream().mapToLong(TableResult::bytes).sum();
    }
}
