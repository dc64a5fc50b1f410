package dev.ferry.cli.progress;

import dev.ferry.snapshot.SnapshotResult;
import dev.ferry.snapshot.SnapshotResult.TableResult;
import java.io.PrintWriter;
import dev.ferry.core.state.SnapshotStep;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The table printed when a snapshot ends: per table rows, size, seconds and rows per second, then totals. */
public final class SummaryTable {
    private SummaryTable() {}

    public static void print(PrintWriter out, SnapshotResult r) {
        int w = Math.max(5, r.tables().stream().mapToInt(t -> label(t).length()).max().orElse(5));
        String format = "%-" + w + "s %14s %10s %9s %12s%n";
        out.println();
        out.printf(Locale.ROOT, format, "table", "rows", "size", "seconds", "rows/s");
        for (TableResult t : r.tables()) {
            out.printf(Locale.ROOT, format, label(t), CopyProgress.rows(t.rows()), CopyProgress.size(t.bytes()),
                    String.format(Locale.ROOT, "%.1f", t.seconds()), t.seconds() > 0 ? CopyProgress.rows(Math.round(t.rows() / t.seconds())) : "-");
        }
        double secs = r.elapsed().toMillis() / 1000.0;
        out.printf(Locale.ROOT, format, "total", CopyProgress.rows(r.totalRows()), CopyProgress.size(r.totalBytes()),
                String.format(Locale.ROOT, "%.1f", secs), secs > 0 ? CopyProgress.rows(Math.round(r.totalRows() / secs)) : "-");
        if (!r.steps().isEmpty()) {
            out.println(steps(r.steps()));
        }
        out.println();
        out.println("Snapshot complete" + (r.resumed() ? " (continued from an interrupted run)" : "") + ": streaming starts at "
                + r.consistentLsn() + " from slot \"" + r.slot() + "\" (publication \"" + r.publication() + "\").");
        printWaits(out, r);
    }

    /** What must wait for the stream: tables copied from a fresh snapshot, and their unique indexes. */
    public static void printWaits(PrintWriter out, SnapshotResult r) {
        r.resyncLsn().forEach((t, lsn) -> out.println("Table " + t + " was copied in part from a fresh snapshot at " + lsn
                + ": it is consistent once the stream has passed that position."));
        if (!r.deferred().isEmpty()) {
            out.println(r.deferred().size() + " unique index(es) wait until the stream has passed their table's position.");
        }
    }

    /** One line: the seconds of each step, in order ({@code Steps: slot and snapshot 0.3 s, copy 4.0 s, ...}). */
    static String steps(Map<SnapshotStep, Double> steps) {
        return "Steps: " + new EnumMap<>(steps).entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %.1f s", e.getKey().label(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static String label(TableResult t) {
        return t.source().equals(t.target()) ? t.source().toString() : t.source() + " -> " + t.target();
    }
}
