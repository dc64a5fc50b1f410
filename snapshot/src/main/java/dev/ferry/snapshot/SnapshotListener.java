package dev.ferry.snapshot;

import dev.ferry.transforms.TableId;

/**
 * Hears how a snapshot goes, for progress bars and logs. Methods are called from the copy workers' threads, so an
 * implementation must be thread-safe and quick (no I/O while holding locks the workers need).
 */
public interface SnapshotListener {
    SnapshotListener SILENT = new SnapshotListener() {};

    /** A step of the run or something the user should know (waits, resumes, skipped objects). */
    default void message(String text) {}

    /**
     * A table's copy is planned.
     *
     * @param estimatedRows the catalog's estimate for the rows still to copy, -1 when unknown
     * @param bytes         heap bytes still to copy (an estimate of the work)
     * @param doneRows      rows copied by an earlier, interrupted run
     */
    default void tablePlanned(TableId table, long estimatedRows, long bytes, long doneRows) {}

    /** Rows and bytes (COPY bytes) just written to the target. */
    default void copied(TableId table, long rows, long bytes) {}

    /** Every chunk of a table is on the target. */
    default void tableDone(TableId table) {}

    /** The copy is over (keys and indexes are built next); progress displays can stop drawing. */
    default void copyFinished() {}
}
