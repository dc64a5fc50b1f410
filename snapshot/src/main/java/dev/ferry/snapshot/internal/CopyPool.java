package dev.ferry.snapshot.internal;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Daemons;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.ChunkState;
import dev.ferry.snapshot.SnapshotListener;
import dev.ferry.snapshot.SnapshotLookup;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs the copy: {@code jobs} workers, each with one source session that imported the snapshot (one long
 * REPEATABLE READ transaction for all its chunks) and one target session committing chunk by chunk. Workers take
 * chunks from one queue, biggest tables first, so a single large table split in ranges keeps all of them busy.
 * The first failure stops the others (their uncommitted chunk leaves nothing behind).
 */
public final class CopyPool {
    /**
     * A chunk to copy and the table it belongs to.
     *
     * @param freeze truncate the target table and load it with {@code COPY ... FREEZE} ({@link Freeze})
     */
    public record Job(TableWork table, ChunkState chunk, boolean freeze) {}

    /** Per table: when its first chunk started and last ended in this run, in nanoseconds. */
    public record Timing(long startNanos, long endNanos) {
        public double seconds() {
            return (endNanos - startNanos) / 1e9;
        }
    }

    private final ConnectionSpec source;
    private final ConnectionSpec target;
    private final Copier copier;
    private final SnapshotListener listener;
    private final SnapshotLookup lookup;

    /**
     * @param lookup bound to the snapshot in each worker when a transformed table is copied; may be null
     */
    public CopyPool(ConnectionSpec source, ConnectionSpec target, Copier copier, SnapshotListener listener,
                    SnapshotLookup lookup) {
        this.source = source;
        this.target = target;
        this.copier = copier;
        this.listener = listener;
        this.lookup = lookup;
    }

    /**
     * Copies every job under {@code snapshot}; calls {@code imported} once every worker holds the snapshot (the
     * exporting session may then end), and {@code tableCopied} from the worker that committed a table's last chunk.
     */
    public Map<TableId, Timing> run(String snapshot, List<Job> jobs, int workers, Runnable imported,
                                    Consumer<TableId> tableCopied) {
        List<Job> ordered = new ArrayList<>(jobs);
        ordered.sort(Comparator.comparingLong((Job j) -> -j.table().source().bytes())
                .thenComparing(j -> j.table().id()).thenComparingInt(j -> j.chunk().chunk()));
        ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>(ordered);
        Map<TableId, AtomicInteger> left = new ConcurrentHashMap<>();
        for (Job j : jobs) {
            left.computeIfAbsent(j.table().id(), k -> new AtomicInteger()).incrementAndGet();
        }
        Map<TableId, Timing> timings = new ConcurrentHashMap<>();
        boolean lookups = lookup != null && jobs.stream().anyMatch(j -> !j.table().passThrough());
        int n = Math.max(1, Math.min(workers, jobs.size()));
        CountDownLatch ready = new CountDownLatch(n);
        ExecutorService pool = Executors.newFixedThreadPool(n, Daemons.named("ferry-copy"));
        try {
            // Completion order, not submission order: the first failure is seen at once and stops the others.
            CompletionService<Void> done = new ExecutorCompletionService<>(pool);
            for (int i = 0; i < n; i++) {
                done.submit(() -> {
                    work(snapshot, queue, left, timings, ready, lookups, tableCopied);
                    return null;
                });
            }
            Daemons.start("ferry-import-wait", () -> {
                try {
                    ready.await();
                    imported.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < n; i++) {
                Copier.await(done.take());
            }
            return timings;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException(ExitCode.INTERNAL, "interrupted while copying", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private void work(String snapshot, ConcurrentLinkedQueue<Job> queue, Map<TableId, AtomicInteger> left,
                      Map<TableId, Timing> timings, CountDownLatch ready, boolean lookups,
                      Consumer<TableId> tableCopied) {
        try (Connection src = Db.openBulkReader(source, "source", "copy");
             Connection tgt = Db.open(target, "target", "copy")) {
            if (!ExportedSnapshot.importInto(src, snapshot)) {
                throw new FerryException(ExitCode.SERVER, "the exported snapshot " + snapshot + " is gone (its session "
                        + "on the source ended); run the same command again to continue from a fresh snapshot");
            }
            if (lookups) {
                lookup.bind(snapshot); // before the exporter may go: the lookups read under the same snapshot
            }
            ready.countDown();
            tgt.setAutoCommit(false);
            try (Statement st = tgt.createStatement()) {
                // Safe: a chunk's rows and its done mark are in one transaction, lost or kept together.
                st.execute("SET synchronous_commit = off");
            }
            Job job;
            while ((job = queue.poll()) != null) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                long t0 = System.nanoTime();
                Job j = job;
                try {
                    copier.copy(src, tgt, j.table(), j.chunk(), j.freeze());
                } catch (SQLException e) {
                    throw ServerErrors.during("copying " + j.table().id() + " (chunk " + j.chunk().chunk() + ")",
                            e instanceof Copier.TargetException ? "target" : "source", e);
                }
                long t1 = System.nanoTime();
                timings.merge(j.table().id(), new Timing(t0, t1),
                        (a, b) -> new Timing(Math.min(a.startNanos(), b.startNanos()), Math.max(a.endNanos(), b.endNanos())));
                if (left.get(j.table().id()).decrementAndGet() == 0) {
                    listener.tableDone(j.table().id());
                    tableCopied.accept(j.table().id());
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("preparing a copy session", "source", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (lookups) {
                lookup.unbind();
            }
        }
    }
}
