package dev.ferry.applier.internal;

import dev.ferry.applier.debezium.TruncateOptions;
import dev.ferry.core.Daemons;
import dev.ferry.core.Lsn;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.RowChange;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TransformException;
import java.sql.SQLException;
import java.util.ArrayDeque;

/**
 * Applies on its own thread: the caller (the engine's polling thread, which converts and transforms records) hands
 * each write, commit and rollback over and goes on with the next record while the target executes the previous
 * ones, in the order given. Nothing here decides a commit ({@link TxBoundaries} does) or confirms an offset: a
 * caller confirms a position only after {@link #sync()} returned, which is after the target committed it.
 *
 * <p>A failure on the apply thread (a statement the target refused, a lost connection) is kept; every later
 * write or commit is skipped, and the next call on the caller's side ({@link #sync()}, a write, a commit) throws
 * it, already described as the table's failure ({@link TargetErrors}). {@link #rollback()} always runs and waits.
 * Waits ignore interrupts (as a JDBC call does): the apply thread always finishes or fails its step.
 *
 * <p>Thread-safety: one caller thread; the apply thread is this class's own.
 */
public final class PipelinedSink implements ChangeSink {
    /** Steps waiting for the apply thread: bounds the memory of changes converted ahead of the target. */
    static final int CAPACITY = 4096;

    /** The apply thread's name (the operating system's per-thread accounting shows it: bench/stream-drain.sh). */
    public static final String THREAD = "ferry-apply";

    private static final TableId APPLIED = new TableId("ferry", "applied");

    /** One thing for the target to do; {@code always}: runs even after a failure (a rollback). */
    private record Step(TableId table, boolean always, Action action) {}

    @FunctionalInterface
    private interface Action {
        void run(ChangeSink target) throws SQLException;
    }

    private final ChangeSink target;
    private final Thread thread;
    private final ArrayDeque<Step> steps = new ArrayDeque<>();
    private long submitted;
    private long done;
    private RuntimeException failure;
    private boolean closed;
    // The caller's view of the open transaction, counted as the target counts it (TargetWriter).
    private long changes;
    private boolean open;

    /** @param target written only by the apply thread from now on; the caller still closes it, after this */
    public PipelinedSink(ChangeSink target) {
        this.target = target;
        this.thread = Daemons.start(THREAD, this::run);
    }

    @Override
    public void write(RowChange change) {
        changes++;
        open = true;
        submit(new Step(change.table(), false, t -> t.write(change)));
    }

    @Override
    public void truncate(TableId table, TruncateOptions options) {
        changes++;
        open = true;
        submit(new Step(table, false, t -> t.truncate(table, options)));
    }

    @Override
    public void writeKeyless(Op op, Row row, Row before) {
        open = true;
        submit(new Step(row.table(), false, t -> t.writeKeyless(op, row, before)));
    }

    @Override
    public void updateKey(Row oldKey, Row row) {
        changes++;
        open = true;
        submit(new Step(row.table(), false, t -> t.updateKey(oldKey, row)));
    }

    @Override
    public void deadLetter(TransformException e, Row row) {
        submit(new Step(row == null ? APPLIED : row.table(), false, t -> t.deadLetter(e, row)));
    }

    /** Hands the commit over and returns: it is on the target once {@link #sync()} returns. */
    @Override
    public void commit(Lsn lsn) {
        changes = 0;
        open = false;
        submit(new Step(APPLIED, false, t -> t.commit(lsn)));
    }

    /** Rolls the target transaction back, after everything handed over before it; waits for it, never throws. */
    @Override
    public void rollback() {
        changes = 0;
        open = false;
        long seq;
        synchronized (this) {
            seq = enqueue(new Step(APPLIED, true, t -> t.rollback()));
        }
        awaitDone(seq);
    }

    /**
     * Waits until the target has carried out everything handed over (its commits are durable); throws the apply
     * thread's failure if there was one.
     */
    @Override
    public void sync() {
        long seq;
        synchronized (this) {
            seq = submitted;
        }
        awaitDone(seq);
        synchronized (this) {
            if (failure != null) {
                throw failure;
            }
        }
    }

    @Override
    public boolean open() {
        return open;
    }

    @Override
    public long changes() {
        return changes;
    }

    /** Stops the apply thread once it has carried out (or, after a failure, skipped) what it holds. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void submit(Step step) {
        if (failure != null) {
            throw failure;
        }
        boolean interrupted = false;
        while (steps.size() >= CAPACITY && failure == null) {
            interrupted |= await();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
        enqueue(step);
    }

    /** Adds a step (the lock held); returns its sequence number. */
    private long enqueue(Step step) {
        if (closed) {
            throw new IllegalStateException("the apply pipeline is closed");
        }
        steps.add(step);
        notifyAll();
        return ++submitted;
    }

    private synchronized void awaitDone(long seq) {
        boolean interrupted = false;
        while (done < seq) { // every step is run or skipped: done always gets there
            interrupted |= await();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits on this object's monitor (held); true when interrupted meanwhile. */
    private boolean await() {
        try {
            wait();
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    private void run() {
        while (true) {
            Step step;
            boolean skip;
            synchronized (this) {
                while (steps.isEmpty() && !closed) {
                    await();
                }
                if (steps.isEmpty()) {
                    return;
                }
                step = steps.poll();
                skip = failure != null && !step.always();
            }
            RuntimeException failed = null;
            if (!skip) {
                try {
                    step.action().run(target);
                } catch (SQLException e) {
                    failed = TargetWriter.describe(e, step.table());
                } catch (RuntimeException e) {
                    failed = e;
                } catch (Error e) {
                    failed = new IllegalStateException("applying to the target failed: " + e, e);
                }
            }
            synchronized (this) {
                done++;
                if (failed != null && failure == null) {
                    failure = failed;
                }
                notifyAll();
            }
        }
    }
}
