package dev.ferry.applier.internal;

import dev.ferry.core.Lsn;

/**
 * Where the target may commit: the transaction-boundary state machine of the apply loop. It performs no I/O; the
 * loop tells it what Debezium delivered and does what it answers.
 *
 * <pre>
 *              BEGIN                       END (past the position)
 *   IDLE ───────────────► IN_SOURCE ──────────────────────────► HOLDING
 *    ▲  ▲                   │   ▲  END (at or below: redelivered)  │  │
 *    │  └───────────────────┘   └──────────── BEGIN ───────────────┘  │
 *    └──────── commit (limit reached, fence, or end of a batch) ───────┘
 * </pre>
 *
 * <ul>
 *   <li>{@code IDLE}: between source transactions; the target transaction holds nothing.</li>
 *   <li>{@code IN_SOURCE}: inside a source transaction; the open target transaction holds its changes so far, and
 *       perhaps finished source transactions before it. No commit may happen here: a reader of the target would
 *       see half a source transaction, and after a crash Debezium delivers the whole transaction again.</li>
 *   <li>{@code HOLDING}: between source transactions, with one or more finished ones in the open target
 *       transaction (one commit and one fsync for many small transactions).</li>
 * </ul>
 *
 * <p>A transaction whose commit LSN is at or below the position (the last one committed or held) was applied
 * before a restart and is rolled back. That can only be the first transactions after a start, so it never meets
 * held ones: commit LSNs arrive in increasing order. Heartbeats are confirmed only in {@code IDLE}: Debezium emits
 * them mid-transaction and between a COMMIT and its END record, where their offsets point inside a transaction.
 *
 * <p>Not thread-safe: the engine's polling thread is its only caller.
 *
 * @param <R> the record type marked processed once its transaction is durable on the target
 */
final class TxBoundaries<R> {

    enum State { IDLE, IN_SOURCE, HOLDING }

    /** What to do at a source transaction's END, or at a batch's end. */
    sealed interface Decision<R> {
        /** Nothing now: the target transaction stays open. */
        record Hold<R>() implements Decision<R> {}

        /** Roll the target transaction back (a transaction applied before a restart) and mark {@code record}. */
        record Redelivered<R>(R record) implements Decision<R> {}

        /**
         * Commit the target transaction at {@code lsn} ({@code transactions} source transactions), then mark
         * {@code record}; {@code fence}: it holds the switch's fence message.
         */
        record Commit<R>(Lsn lsn, R record, int transactions, boolean fence) implements Decision<R> {}
    }

    /** What to do with a heartbeat. */
    enum Beat {
        /** Inside or between held transactions: its offset may point into a transaction; leave it unmarked. */
        IGNORE,
        /** Mark it processed: nothing newer to record. */
        MARK,
        /** Record the heartbeat's commit LSN as the target's position (an empty target commit), then mark it. */
        RECORD_AND_MARK
    }

    private final int shareLimit;
    private final long changeLimit;
    private final long holdNanos;
    private State state = State.IDLE;
    private Lsn committed;
    private int held;
    private Lsn heldLsn;
    private R heldRecord;
    private long heldSince;
    private boolean heldFence;
    private boolean fence;

    /**
     * @param committed   the target's applied position at start
     * @param shareLimit  at most this many source transactions in one target transaction (1: each its own)
     * @param changeLimit commit held transactions once the target transaction holds this many changes
     * @param holdNanos   commit held transactions once the oldest has waited this long
     */
    TxBoundaries(Lsn committed, int shareLimit, long changeLimit, long holdNanos) {
        this.committed = committed;
        this.shareLimit = Math.max(1, shareLimit);
        this.changeLimit = changeLimit;
        this.holdNanos = holdNanos;
    }

    State state() {
        return state;
    }

    /** The target's committed position. */
    Lsn committed() {
        return committed;
    }

    void begin() {
        state = switch (state) {
            case IDLE, HOLDING -> State.IN_SOURCE;
            case IN_SOURCE -> throw new IllegalStateException("BEGIN inside source transaction (no END before it)");
        };
        fence = false;
    }

    /** A change or a transactional message is about to be applied: only inside a source transaction. */
    void change() {
        if (state != State.IN_SOURCE) {
            throw new IllegalStateException("a change outside a source transaction (state " + state + ")");
        }
    }

    /** A logical message; one outside a transaction (non-transactional) belongs to no target transaction. */
    void message(boolean isFence) {
        if (state == State.IN_SOURCE) {
            fence |= isFence;
        }
    }

    /**
     * The source transaction ends at {@code commit}.
     *
     * @param changes changes the open target transaction holds (this transaction's and held ones')
     * @param now     {@link System#nanoTime()}
     */
    Decision<R> end(Lsn commit, R record, long changes, long now) {
        if (state != State.IN_SOURCE) {
            throw new IllegalStateException("END outside a source transaction (state " + state + ")");
        }
        Lsn position = held > 0 ? heldLsn : committed;
        if (position != null && !commit.isAfter(position)) {
            if (held > 0) {
                throw new IllegalStateException("transaction committed at " + commit + " arrived after one committed at "
                        + heldLsn + " in the same target transaction");
            }
            state = State.IDLE;
            fence = false;
            return new Decision.Redelivered<>(record);
        }
        held++;
        heldLsn = commit;
        heldRecord = record;
        heldFence |= fence;
        fence = false;
        if (held == 1) {
            heldSince = now;
        }
        state = State.HOLDING;
        if (heldFence || held >= shareLimit || changes >= changeLimit || now - heldSince >= holdNanos) {
            return commit();
        }
        return new Decision.Hold<>();
    }

    /** The end of one of Debezium's batches: held transactions commit; an open source transaction continues. */
    Decision<R> batchEnd() {
        return state == State.HOLDING ? commit() : new Decision.Hold<>();
    }

    Beat heartbeat(Lsn lastCommit) {
        if (state != State.IDLE) {
            return Beat.IGNORE;
        }
        if (lastCommit != null && (committed == null || lastCommit.isAfter(committed))) {
            committed = lastCommit;
            return Beat.RECORD_AND_MARK;
        }
        return Beat.MARK;
    }

    private Decision<R> commit() {
        Decision<R> d = new Decision.Commit<>(heldLsn, heldRecord, held, heldFence);
        committed = heldLsn;
        held = 0;
        heldLsn = null;
        heldRecord = null;
        heldFence = false;
        state = State.IDLE;
        return d;
    }
}
