package dev.ferry.snapshot;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.objects.ObjectOptions;
import dev.ferry.snapshot.internal.ChunkPlanner;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TransformChain;
import java.time.Duration;
import java.util.List;

/**
 * What {@link Snapshot#run} needs. Immutable; {@link #of} gives the defaults, the {@code with...} methods change one
 * setting.
 *
 * @param tables         source tables to move; empty means every table of the source
 * @param jobs           copy workers, also the parallelism of the index build
 * @param slotTimeout    how long slot creation may wait for transactions running on the source
 * @param truncateTarget empty target tables that already hold rows instead of refusing
 * @param chunkBytes     tables larger than this are split into ranges of about this size; {@link #AUTO_CHUNKS} lets
 *                       the planner choose which tables to copy whole ({@code ChunkPlanner}, docs/design.md "Whole
 *                       tables or ranges")
 * @param listener       receives progress; called from worker threads
 * @param lookup         the lookup the transforms were built with, bound to the snapshot in each copy worker; null
 *                       when no transform reads other tables
 * @param objects        how the objects around the tables (views, functions, triggers, grants...) are carried; null
 *                       to move the tables only
 */
public record SnapshotOptions(
        ConnectionSpec source,
        ConnectionSpec target,
        List<TableId> tables,
        String stateSchema,
        int jobs,
        String slot,
        String publication,
        Duration slotTimeout,
        boolean truncateTarget,
        Rate maxRate,
        long chunkBytes,
        TransformChain transforms,
        SnapshotListener listener,
        SnapshotLookup lookup,
        ObjectOptions objects) {

    public static final String DEFAULT_SLOT = "ferry_slot";
    public static final String DEFAULT_PUBLICATION = "ferry_pub";
    /** The default chunk size: automatic ({@code ChunkPlanner.AUTO}). */
    public static final long AUTO_CHUNKS = ChunkPlanner.AUTO;

    public SnapshotOptions {
        tables = List.copyOf(tables);
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1");
        }
    }

    /**
     * Copy workers when {@code --jobs} is not given: half the cores of the machine Ferry runs on, at least one.
     * Each worker keeps two backends busy, one COPY out of the source and one into the target, so on a host that
     * also runs the servers this fills its cores without more processes than cores; on two cores one worker
     * copied a 5-million-row table faster than two or four (docs/design.md, "How many workers").
     */
    public static int defaultJobs() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    public static SnapshotOptions of(ConnectionSpec source, ConnectionSpec target) {
        return new SnapshotOptions(source, target, List.of(), "ferry", defaultJobs(),
                DEFAULT_SLOT, DEFAULT_PUBLICATION, Duration.ofSeconds(60), false, Rate.UNLIMITED, AUTO_CHUNKS,
                TransformChain.identity(), SnapshotListener.SILENT, null, ObjectOptions.DEFAULT);
    }

    public SnapshotOptions withTables(List<TableId> newTables) {
        return new SnapshotOptions(source, target, newTables, stateSchema, jobs, slot, publication, slotTimeout,
                truncateTarget, maxRate, chunkBytes, transforms, listener, lookup, objects);
    }

    public SnapshotOptions withJobs(int newJobs) {
        return new SnapshotOptions(source, target, tables, stateSchema, newJobs, slot, publication, slotTimeout,
                truncateTarget, maxRate, chunkBytes, transforms, listener, lookup, objects);
    }

    public SnapshotOptions withStateSchema(String schema) {
        return new SnapshotOptions(source, target, tables, schema, jobs, slot, publication, slotTimeout,
                truncateTarget, maxRate, chunkBytes, transforms, listener, lookup, objects);
    }

    public SnapshotOptions withSlot(String newSlot, String newPublication, Duration timeout) {
        return new SnapshotOptions(source, target, tables, stateSchema, jobs, newSlot, newPublication, timeout,
                truncateTarget, maxRate, chunkBytes, transforms, listener, lookup, objects);
    }

    public SnapshotOptions withCopy(boolean truncate, Rate rate, long newChunkBytes) {
        return new SnapshotOptions(source, target, tables, stateSchema, jobs, slot, publication, slotTimeout,
                truncate, rate, newChunkBytes, transforms, listener, lookup, objects);
    }

    public SnapshotOptions withTransforms(TransformChain chain) {
        return new SnapshotOptions(source, target, tables, stateSchema, jobs, slot, publication, slotTimeout,
                truncateTarget, maxRate, chunkBytes, chain, listener, lookup, objects);
    }

    /** Transforms whose lookups go through {@code l} (see {@link SnapshotLookup}). */
    public SnapshotOptions withTransforms(TransformChain chain, SnapshotLookup l) {
        return new SnapshotOptions(source, target, tables, stateSchema, jobs, slot, publication, slotTimeout,
                truncateTarget, maxRate, chunkBytes, chain, listener, l, objects);
    }

    public SnapshotOptions withObjects(ObjectOptions newObjects) {
        return new SnapshotOptions(source, target, tables, stateSchema, jobs, slot, publication, slotTimeout,
                truncateTarget, maxRate, chunkBytes, transforms, listener, lookup, newObjects);
    }

    public SnapshotOptions withListener(SnapshotListener l) {
        return new SnapshotOptions(source, target, tables, stateSchema, jobs, slot, publication, slotTimeout,
                truncateTarget, maxRate, chunkBytes, transforms, l, lookup, objects);
    }

    /** The target is the source's own database: an in-place run (docs/design.md, "In place"). */
    public boolean inPlace() {
        return source.equals(target);
    }
}
