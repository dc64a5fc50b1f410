package dev.ferry.cli.progress;

import dev.ferry.core.Daemons;
import dev.ferry.core.FerryException;
import dev.ferry.snapshot.SnapshotListener;
import dev.ferry.transforms.TableId;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shows a running copy: on a terminal a live bar per active table and one overall (rows, bytes, rate, ETA),
 * redrawn in place; otherwise (CI, pipes, files) one plain line every few seconds. Messages print as they come.
 * Counters are updated from the copy workers; a daemon thread draws.
 */
public abstract class CopyProgress implements SnapshotListener, AutoCloseable {
    /** One table's counters. */
    static final class TableState {
        final TableId id;
        final long estimatedRows;
        final long heapBytes;
        final AtomicLong rows;
        final AtomicLong bytes = new AtomicLong();
        volatile boolean done;
        volatile boolean started;

        TableState(TableId id, long estimatedRows, long heapBytes, long doneRows) {
            this.id = id;
            this.estimatedRows = estimatedRows;
            this.heapBytes = heapBytes;
            this.rows = new AtomicLong(doneRows);
        }

        /** Between 0 and 1: rows against the catalog's estimate, else COPY bytes against heap bytes. */
        double fraction() {
            if (done) {
                return 1;
            }
            if (estimatedRows > 0) {
                return Math.min(0.99, rows.get() / (double) estimatedRows);
            }
            return heapBytes > 0 ? Math.min(0.99, bytes.get() / (double) heapBytes) : 0;
        }
    }

    protected final PrintWriter out;
    protected final Map<TableId, TableState> tables = new ConcurrentHashMap<>();
    protected final long startNanos = System.nanoTime();
    protected final AtomicLong rowsNow = new AtomicLong();
    protected final AtomicLong bytesNow = new AtomicLong();
    private final Thread drawer;
    private volatile boolean closed;

    protected CopyProgress(PrintWriter out, long periodMillis) {
        this.out = out;
        this.drawer = periodMillis <= 0 ? null : Daemons.start("ferry-progress", () -> {
            while (!closed) {
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
                synchronized (this) {
                    if (!closed && !tables.isEmpty()) {
                        draw();
                    }
                }
            }
        });
    }

    /**
     * @param mode {@code auto}: bars when a console is attached, log lines otherwise; or {@code bars}, {@code log},
     *             {@code none}
     */
    public static CopyProgress create(String mode, PrintWriter out) {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "auto" -> System.console() != null ? new BarProgress(out) : new LogProgress(out, 5000);
            case "bars" -> new BarProgress(out);
            case "log" -> new LogProgress(out, 5000);
            case "none" -> new LogProgress(out, 0);
            default -> throw FerryException.usage("--progress takes auto, bars, log or none, not \"" + mode + "\"");
        };
    }

    /** Draws the current state; called under this object's lock. */
    protected abstract void draw();

    /** Prints a message line; called under this object's lock. */
    protected abstract void print(String line);

    @Override
    public synchronized void message(String text) {
        print(text);
    }

    @Override
    public void tablePlanned(TableId table, long estimatedRows, long bytes, long doneRows) {
        tables.put(table, new TableState(table, estimatedRows, bytes, doneRows));
    }

    @Override
    public void copied(TableId table, long rows, long bytes) {
        TableState t = tables.get(table);
        if (t != null) {
            t.started = true;
            t.rows.addAndGet(rows);
            t.bytes.addAndGet(bytes);
        }
        rowsNow.addAndGet(rows);
        bytesNow.addAndGet(bytes);
    }

    @Override
    public void tableDone(TableId table) {
        TableState t = tables.get(table);
        if (t != null) {
            t.done = true;
        }
    }

    /** Rows per second so far in this run. */
    protected long rate() {
        return Math.round(rowsNow.get() / elapsedSeconds());
    }

    protected double elapsedSeconds() {
        return Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
    }

    /** Overall completion, weighting tables by their heap size. */
    protected double overallFraction() {
        double total = 0;
        double done = 0;
        for (TableState t : tables.values()) {
            double w = Math.max(1, t.heapBytes);
            total += w;
            done += w * t.fraction();
        }
        return total == 0 ? 0 : done / total;
    }

    /**
     * Seconds left at this run's speed so far: rows still expected (the catalog's estimates) over rows per second;
     * -1 when it cannot be told yet.
     */
    protected long etaSeconds() {
        long left = 0;
        for (TableState t : tables.values()) {
            if (!t.done) {
                left += Math.max(0, t.estimatedRows - t.rows.get());
            }
        }
        long rate = rate();
        return rate <= 0 || rowsNow.get() == 0 ? -1 : left / rate;
    }

    protected List<TableState> active() {
        List<TableState> a = new ArrayList<>();
        for (TableState t : tables.values()) {
            if (t.started && !t.done) {
                a.add(t);
            }
        }
        a.sort((x, y) -> x.id.compareTo(y.id));
        return a;
    }

    @Override
    public void copyFinished() {
        close();
    }

    /** Draws the end of the copy and stops drawing; messages still print. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (!tables.isEmpty()) {
                finish();
            }
        }
        if (drawer != null) {
            drawer.interrupt();
        }
        out.flush();
    }

    /** Last drawing when the copy ends. */
    protected abstract void finish();

    static String rows(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String size(double bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        int u = 0;
        while (bytes >= 1024 && u < units.length - 1) {
            bytes /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    }

    static String duration(long seconds) {
        if (seconds < 0) {
            return "--:--";
        }
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
