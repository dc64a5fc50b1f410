package dev.ferry.applier.internal;

import dev.ferry.applier.StreamListener;
import dev.ferry.applier.StreamOptions;
import dev.ferry.applier.debezium.TruncateMessages;
import dev.ferry.applier.debezium.TruncateOptions;
import dev.ferry.applier.journal.JournalEntry;
import dev.ferry.applier.journal.JournalWriter;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.transforms.IncompleteRowException;
import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.RowChange;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformException;
import dev.ferry.transforms.connect.ConnectRows;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Consumes Debezium's records in order and applies them. Each source transaction (BEGIN ... END) is written
 * into one open target transaction as its changes arrive, so a transaction of millions of rows never sits in
 * memory; at END the commit LSN is known: a transaction at or below the applied position was applied before a
 * restart and is rolled back, any other commits with its LSN, alone or together with the next few. Target
 * commits fall on source transaction boundaries only ({@link TxBoundaries}); a batch of Debezium's that ends
 * inside a source transaction leaves the target transaction open until that transaction's END. The writer may
 * apply on a thread of its own ({@link PipelinedSink}) while this loop converts the next records; a record is
 * marked processed only after {@link ChangeSink#sync()} says the target committed it, so Debezium's offsets and
 * the slot never pass the target.
 */
public final class ChangeLoop implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
    /** Held source transactions commit once the target transaction holds this many changes. */
    static final long CHANGE_LIMIT = 20_000;
    /** ... or once the oldest held one has waited this long: latency stays bounded under a trickle. */
    static final long HOLD_NANOS = 200_000_000L;

    private final Map<TableId, TableSchema> tables;
    private final TransformChain chain;
    private final Lookup lookup;
    private final ChangeSink writer;
    private final JournalWriter journal;
    private final StreamOptions.OnError onError;
    private final StreamListener listener;
    private final TxBoundaries<RecordChangeEvent<SourceRecord>> tx;
    private final TableFloors floors;
    /** The slot read, under which Ferry's decoder posts TRUNCATE options; null when no stream feeds the loop. */
    private final String slot;
    /** The name of the thread that runs {@link #handleBatch}. */
    public static final String CONVERT_THREAD = "ferry-convert";

    private Row pendingKeyChange;
    private boolean threadNamed;
    /** Target commits and records handed to the writer, confirmed once {@link ChangeSink#sync()} returns. */
    private final List<Confirm> confirms = new java.util.ArrayList<>();
    private volatile RuntimeException failure;

    /** A target commit at {@code lsn} (null: none) and/or a record to mark processed (null: none) once synced. */
    private record Confirm(Lsn lsn, long changes, RecordChangeEvent<SourceRecord> record) {}

    /**
     * @param shareLimit how many source transactions may share one target transaction (1: each its own)
     */
    public ChangeLoop(Map<TableId, TableSchema> tables, TransformChain chain, Lookup lookup, ChangeSink writer,
                      JournalWriter journal, StreamOptions.OnError onError, Lsn applied, StreamListener listener,
                      int shareLimit) {
        this(tables, chain, lookup, writer, journal, onError, applied, listener, shareLimit, Map.of(), null);
    }

    /**
     * @param floors per table, the position of the snapshot it was last copied from when that is later than the
     *               slot's (a table copied again from a fresh snapshot): its changes in source transactions that
     *               committed at or below it are in the copy already and are not applied again
     * @param slot   the replication slot the records come from (TRUNCATE options are looked up by it)
     */
    public ChangeLoop(Map<TableId, TableSchema> tables, TransformChain chain, Lookup lookup, ChangeSink writer,
                      JournalWriter journal, StreamOptions.OnError onError, Lsn applied, StreamListener listener,
                      int shareLimit, Map<TableId, Lsn> floors, String slot) {
        this.tables = tables;
        this.chain = chain;
        this.lookup = lookup;
        this.writer = writer;
        this.journal = journal;
        this.onError = onError;
        this.listener = listener;
        this.tx = new TxBoundaries<>(applied, shareLimit, CHANGE_LIMIT, HOLD_NANOS);
        this.floors = new TableFloors(floors, applied);
        this.slot = slot;
    }

    /** The failure that stopped the loop, or null; a {@link SwitchedOver} when the switch ended the stream. */
    public RuntimeException failure() {
        return failure;
    }

    /** The position last handed to the writer for commit (on the target once the writer synced). */
    public Lsn applied() {
        return tx.committed();
    }

    /** The stream passed the switch's fence and the switch completed: nothing more may be applied. */
    public static final class SwitchedOver extends RuntimeException {
        private final Lsn fence;

        SwitchedOver(Lsn fence) {
            super("the run was switched over at " + fence + "; the stream stops", null, false, false);
            this.fence = fence;
        }

        public Lsn fence() {
            return fence;
        }
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        if (failure != null) {
            return;
        }
        if (!threadNamed) {
            // Debezium's polling thread does Ferry's conversion and transforms: named so that the operating
            // system's per-thread accounting tells it apart (bench/stream-drain.sh).
            Thread.currentThread().setName(CONVERT_THREAD);
            threadNamed = true;
        }
        try {
            for (RecordChangeEvent<SourceRecord> event : records) {
                Lsn fence = handle(event);
                if (fence != null) {
                    // The fence's transaction: on the target and its offset durable before the switch decides.
                    confirm(committer);
                    committer.markBatchFinished();
                    if (listener.fenced(fence)) {
                        throw new SwitchedOver(fence);
                    }
                }
            }
            execute(tx.batchEnd());
            if (confirm(committer)) {
                // One offset flush per batch, not per transaction: it is a round trip to the state store.
                committer.markBatchFinished();
            }
        } catch (RuntimeException e) {
            confirms.clear();
            writer.rollback();
            failure = e;
            throw e;
        }
    }

    /**
     * Hands one record's work to the writer; returns the commit LSN when the target transaction just handed over
     * for commit holds the switch's fence, else null.
     */
    private Lsn handle(RecordChangeEvent<SourceRecord> event) {
        SourceRecord r = event.record();
        SourceEvent e = SourceEvent.of(r);
        if (e instanceof SourceEvent.Begin) {
            tx.begin();
        } else if (e instanceof SourceEvent.Change c) {
            tx.change();
            change(r, c.lsn());
        } else if (e instanceof SourceEvent.Message m) {
            tx.message(m.isFence());
        } else if (e instanceof SourceEvent.End end) {
            if (journal != null) {
                journal.commit(end.xid(), end.commit(), end.at());
            }
            floors.release(end.commit(), this::apply);
            TxBoundaries.Decision<RecordChangeEvent<SourceRecord>> d =
                    tx.end(end.commit(), event, writer.changes(), System.nanoTime());
            boolean fence = d instanceof TxBoundaries.Decision.Commit<?> c && c.fence();
            execute(d);
            return fence ? end.commit() : null;
        } else if (e instanceof SourceEvent.Heartbeat h) {
            TxBoundaries.Beat beat = tx.heartbeat(h.lastCommit());
            if (beat == TxBoundaries.Beat.RECORD_AND_MARK) {
                // Everything up to the last commit Debezium decoded is on the target: say so, for status, verify
                // and switch on a quiet database.
                commitTarget(h.lastCommit(), 0, event);
            } else if (beat == TxBoundaries.Beat.MARK) {
                confirms.add(new Confirm(null, 0, event));
            }
        }
        return null;
    }

    /** Carries out a decision of {@link TxBoundaries}: hands the commit or rollback to the writer. */
    private void execute(TxBoundaries.Decision<RecordChangeEvent<SourceRecord>> d) {
        if (d instanceof TxBoundaries.Decision.Redelivered<RecordChangeEvent<SourceRecord>> rd) {
            writer.rollback(); // applied before a restart: Debezium delivered it again
            pendingKeyChange = null;
            confirms.add(new Confirm(null, 0, rd.record()));
        } else if (d instanceof TxBoundaries.Decision.Commit<RecordChangeEvent<SourceRecord>> c) {
            if (journal != null) {
                journal.flush(); // durable before the target holds what it records
            }
            commitTarget(c.lsn(), writer.changes(), c.record());
        }
    }

    /**
     * Waits until the writer's commits are on the target, then reports them and marks their records processed, in
     * order: no offset passes the target. True when a record was marked.
     */
    private boolean confirm(DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        if (confirms.isEmpty()) {
            return false;
        }
        writer.sync();
        boolean marked = false;
        for (Confirm c : confirms) {
            if (c.lsn() != null) {
                listener.committed(c.lsn(), c.changes());
            }
            if (c.record() != null && committer != null) {
                committer.markProcessed(c.record());
                marked = true;
            }
        }
        confirms.clear();
        return marked;
    }

    private void change(SourceRecord r, Lsn lsn) {
        Struct v = (Struct) r.value();
        Struct src = v.getStruct("source");
        TableId id = new TableId(src.getString("schema"), src.getString("table"));
        TableSchema table = tables.get(id);
        if (table == null) {
            return;
        }
        Op op = ConnectRows.op(v.getString("op"));
        if (op == null) {
            return;
        }
        Row before;
        Row after;
        try {
            before = v.getStruct("before") == null ? null : ConnectRows.read(table, v.getStruct("before"));
            after = v.getStruct("after") == null ? null : ConnectRows.read(table, v.getStruct("after"));
        } catch (ConnectRows.SchemaChangedException e) {
            throw new FerryException(ExitCode.USAGE, "table " + id + " changed on the source while streaming ("
                    + e.getMessage() + "); apply the same change to the target table, then run the same command again "
                    + "(the position is kept, nothing is lost)");
        }
        TruncateOptions truncate = op == Op.TRUNCATE && slot != null
                ? TruncateMessages.take(slot, src.getInt64("txId"), src.getString("schema"), src.getString("table"))
                : TruncateOptions.NONE;
        boolean keyMovedAway = header(r, "__debezium.newkey") != null;
        boolean keyMovedHere = header(r, "__debezium.oldkey") != null;
        if (journal != null && !keyMovedAway) {
            // A key change is journaled once, as an update from the old key (held since the delete half).
            boolean keyChange = keyMovedHere && pendingKeyChange != null;
            journal.append(new JournalEntry(new Lsn(src.getInt64("lsn")), src.getInt64("txId"),
                    Instant.ofEpochMilli(src.getInt64("ts_ms")), id, keyChange ? Op.UPDATE : op,
                    keyOf(keyChange ? pendingKeyChange : before != null ? before : after),
                    after == null ? Map.of() : after.asMap(), truncate), table);
        }
        if (floors.defers(id, lsn)) {
            floors.hold(new TableFloors.Held(table, op, before, after, keyMovedAway, keyMovedHere, truncate));
            return;
        }
        if (op == Op.TRUNCATE) {
            truncate(table, truncate);
            return;
        }
        apply(table, op, before, after, keyMovedAway, keyMovedHere);
    }

    private void apply(TableFloors.Held h) {
        if (h.op() == Op.TRUNCATE) {
            truncate(h.table(), h.truncate());
            return;
        }
        apply(h.table(), h.op(), h.before(), h.after(), h.keyMovedAway(), h.keyMovedHere());
    }

    /** Applies a source TRUNCATE of {@code table} with its options: the same path serves the stream and replay. */
    public void truncate(TableSchema table, TruncateOptions options) {
        pendingKeyChange = null;
        try {
            for (RowChange c : chain.truncate(table)) {
                writer.truncate(c.table(), options);
            }
        } catch (SQLException e) {
            throw TargetWriter.describe(e, table.id());
        }
    }

    /**
     * Applies one source change: the same path serves the stream and a journal replay.
     *
     * @param keyMovedAway a delete that is the first half of a primary-key change (Debezium's delete + create)
     * @param keyMovedHere a create that is the second half
     */
    public void apply(TableSchema table, Op op, Row before, Row after, boolean keyMovedAway, boolean keyMovedHere) {
        try {
            if (keyMovedAway) {
                pendingKeyChange = before;
                return;
            }
            if (keyMovedHere && pendingKeyChange != null && chain.passesThrough(table.id())) {
                writer.updateKey(pendingKeyChange, after);
                pendingKeyChange = null;
                return;
            }
            if (keyMovedHere && pendingKeyChange != null) {
                before = pendingKeyChange;
                op = Op.UPDATE;
            }
            pendingKeyChange = null;
            if (op == Op.TRUNCATE) {
                truncate(table, TruncateOptions.NONE);
                return;
            }
            if (!table.hasKey() && chain.passesThrough(table.id())) {
                writer.writeKeyless(op, op == Op.DELETE ? before : after, before);
                return;
            }
            for (RowChange c : transform(table, op, before, after)) {
                writer.write(c);
            }
        } catch (SQLException e) {
            throw TargetWriter.describe(e, table.id());
        } catch (TransformException e) {
            if (onError != StreamOptions.OnError.DEAD_LETTER) {
                throw new FerryException(ExitCode.USAGE, e.getMessage() + "; fix the transform or its configuration and "
                        + "run the same command again (the position is kept), or pass --on-error dead-letter", e);
            }
            try {
                writer.deadLetter(e, after != null ? after : before);
            } catch (SQLException ex) {
                throw TargetWriter.describe(ex, table.id());
            }
        }
    }

    private List<RowChange> transform(TableSchema table, Op op, Row before, Row after) {
        try {
            return chain.applyChange(op, before, after);
        } catch (IncompleteRowException e) {
            // Unchanged TOAST values the transforms need: from the old image of a REPLICA IDENTITY FULL table,
            // which holds them as they were at this change; otherwise from the source's current row.
            if (before != null && e.missing().stream().allMatch(before::has)) {
                Map<String, String> old = new java.util.LinkedHashMap<>();
                e.missing().forEach(c -> old.put(c, before.get(c)));
                return chain.applyChange(op, before, after.withAll(old));
            }
            Map<String, String> key = keyOf(after);
            Map<String, String> current = lookup.find(table.id(), key).orElseThrow(() -> new FerryException(
                    ExitCode.USAGE, "a change of " + table.id() + " (" + after.describeKey() + ") lacks columns "
                    + e.missing() + " the transforms read, and the row is gone from the source; set REPLICA IDENTITY "
                    + "FULL on that table"));
            return chain.applyChange(op, before, after.withAll(current));
        }
    }

    /**
     * Ends a source transaction read from a journal: commits it with its LSN, or rolls back one at or below the
     * applied position (journaled twice, or applied before). The same boundary rules as the stream.
     */
    public void finishTransaction(Lsn commit, long xid, Instant at) {
        if (journal != null) {
            journal.commit(xid, commit, at);
        }
        if (tx.state() != TxBoundaries.State.IN_SOURCE) {
            tx.begin();
        }
        TxBoundaries.Decision<?> d = tx.end(commit, null, writer.changes(), System.nanoTime());
        if (d instanceof TxBoundaries.Decision.Hold<?>) {
            d = tx.batchEnd(); // a replay commits each transaction alone
        }
        if (d instanceof TxBoundaries.Decision.Redelivered<?>) {
            writer.rollback();
            pendingKeyChange = null;
        } else if (d instanceof TxBoundaries.Decision.Commit<?> c) {
            commitTarget(c.lsn(), writer.changes(), null);
            try {
                confirm(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // not reached: only marking a record waits on the engine
            }
        }
    }

    /** Hands a target commit at {@code lsn} to the writer; reported and {@code record} marked once synced. */
    private void commitTarget(Lsn lsn, long changes, RecordChangeEvent<SourceRecord> record) {
        try {
            writer.commit(lsn);
        } catch (SQLException e) {
            throw TargetWriter.describe(e, new TableId("ferry", "applied"));
        }
        floors.passed(lsn);
        confirms.add(new Confirm(lsn, changes, record));
    }

    private static Map<String, String> keyOf(Row row) {
        return row == null ? Map.of() : row.identityOnly().asMap();
    }

    private static Object header(SourceRecord r, String key) {
        Header h = r.headers().lastWithName(key);
        return h == null ? null : h.value();
    }
}
