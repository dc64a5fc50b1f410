package dev.ferry.applier.internal;

import dev.ferry.applier.StreamListener;
import dev.ferry.applier.StreamOptions;
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
 * restart and is rolled back, any other commits together with its LSN. Only then is the END record marked
 * processed, so Debezium's offsets and the slot never pass what the target holds.
 */
public final class ChangeLoop implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
    private final Map<TableId, TableSchema> tables;
    private final TransformChain chain;
    private final Lookup lookup;
    private final ChangeSink writer;
    private final JournalWriter journal;
    private final StreamOptions.OnError onError;
    private final StreamListener listener;
    private Lsn applied;
    /** Source transactions committed to the open target transaction but not yet to the target. */
    private int sharing;
    private Lsn sharedLsn;
    private RecordChangeEvent<SourceRecord> sharedEnd;
    private long sharedSince;
    private final int shareLimit;
    /** A switch waits on the transaction holding its fence message: commit that one without delay. */
    private boolean fenceSeen;
    private Row pendingKeyChange;
    private volatile RuntimeException failure;

    /**
     * @param shareLimit how many source transactions may share one target transaction (1: each its own); sharing
     *                   starts only past the applied position, where no transaction can be a redelivered one
     */
    public ChangeLoop(Map<TableId, TableSchema> tables, TransformChain chain, Lookup lookup, ChangeSink writer,
                      JournalWriter journal, StreamOptions.OnError onError, Lsn applied, StreamListener listener,
                      int shareLimit) {
        this.shareLimit = Math.max(1, shareLimit);
        this.tables = tables;
        this.chain = chain;
        this.lookup = lookup;
        this.writer = writer;
        this.journal = journal;
        this.onError = onError;
        this.applied = applied;
        this.listener = listener;
    }

    /** The failure that stopped the loop, or null. */
    public RuntimeException failure() {
        return failure;
    }

    public Lsn applied() {
        return applied;
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        if (failure != null) {
            return;
        }
        try {
            boolean marked = false;
            for (RecordChangeEvent<SourceRecord> event : records) {
                marked |= handle(event, committer);
            }
            if (sharing > 0) {
                // The end of a batch ends sharing: latency stays within one batch.
                commitShared(committer);
                marked = true;
            }
            if (marked) {
                // One offset flush per batch, not per transaction: it is a round trip to the state store.
                committer.markBatchFinished();
            }
        } catch (RuntimeException e) {
            writer.rollback();
            failure = e;
            throw e;
        }
    }

    /** Returns true when a record was marked processed. */
    private boolean handle(RecordChangeEvent<SourceRecord> event,
                        DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        SourceRecord r = event.record();
        String topic = r.topic();
        if (topic.endsWith(".transaction")) {
            Struct v = (Struct) r.value();
            if ("END".equals(v.getString("status"))) {
                Lsn commit = new Lsn(((Number) r.sourceOffset().get("lsn_commit")).longValue());
                long xid = ((Number) r.sourceOffset().get("txId")).longValue();
                Instant at = v.get("ts_ms") == null ? null : Instant.ofEpochMilli(v.getInt64("ts_ms"));
                if (journal != null) {
                    journal.commit(xid, commit, at);
                }
                if (!commit.isAfter(sharedLsn != null ? sharedLsn : applied)) {
                    writer.rollback(); // applied before a restart: Debezium delivered it again
                    committer.markProcessed(event);
                    return true;
                }
                sharing++;
                sharedLsn = commit;
                sharedEnd = event;
                if (sharing == 1) {
                    sharedSince = System.nanoTime();
                }
                if (fenceSeen || sharing >= shareLimit || writer.changes() >= 20_000
                        || System.nanoTime() - sharedSince > 200_000_000L) {
                    fenceSeen = false;
                    commitShared(committer);
                    return true;
                }
                return false;
            }
            return false;
        }
        if (topic.startsWith("__debezium-heartbeat")) {
            if (!writer.open() && sharing == 0) {
                Object commit = r.sourceOffset().get("lsn_commit");
                if (commit instanceof Number n && new Lsn(n.longValue()).isAfter(applied)) {
                    // Everything up to the last commit Debezium processed is on the target: say so, for status,
                    // verify and switch on a quiet database.
                    commitTarget(new Lsn(n.longValue()));
                }
                committer.markProcessed(event);
                return true;
            }
            return false;
        }
        if (topic.endsWith(".message")) {
            fenceSeen = true; // the switch's fence: its transaction's commit records the position, at once
            return false;
        }
        change(r);
        return false;
    }

    private void change(SourceRecord r) {
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
        boolean keyMovedAway = header(r, "__debezium.newkey") != null;
        boolean keyMovedHere = header(r, "__debezium.oldkey") != null;
        if (journal != null && !keyMovedAway) {
            // A key change is journaled once, as an update from the old key (held since the delete half).
            boolean keyChange = keyMovedHere && pendingKeyChange != null;
            journal.append(new JournalEntry(new Lsn(src.getInt64("lsn")), src.getInt64("txId"),
                    Instant.ofEpochMilli(src.getInt64("ts_ms")), id, keyChange ? Op.UPDATE : op,
                    keyOf(keyChange ? pendingKeyChange : before != null ? before : after),
                    after == null ? Map.of() : after.asMap()), table);
        }
        apply(table, op, before, after, keyMovedAway, keyMovedHere);
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
            if (!table.hasKey() && chain.passesThrough(table.id()) && op != Op.TRUNCATE) {
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
        if (op == Op.TRUNCATE) {
            return chain.truncate(table);
        }
        try {
            return chain.applyChange(op, before, after);
        } catch (IncompleteRowException e) {
            // Unchanged TOAST values the transforms need: read them from the source's current row.
            Map<String, String> key = keyOf(after);
            Map<String, String> current = lookup.find(table.id(), key).orElseThrow(() -> new FerryException(
                    ExitCode.USAGE, "a change of " + table.id() + " (" + after.describeKey() + ") lacks columns "
                    + e.missing() + " the transforms read, and the row is gone from the source; set REPLICA IDENTITY "
                    + "FULL on that table"));
            return chain.applyChange(op, before, after.withAll(current));
        }
    }

    private void commitShared(DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        long n = writer.changes();
        if (journal != null) {
            journal.flush(); // durable before the target holds what it records
        }
        commitTarget(sharedLsn);
        committer.markProcessed(sharedEnd);
        listener.committed(sharedLsn, n);
        sharing = 0;
        sharedLsn = null;
        sharedEnd = null;
    }

    /** Ends a source transaction: commits it with its LSN, or rolls back one applied before a restart. */
    public void finishTransaction(Lsn commit, long xid, Instant at) {
        if (journal != null) {
            journal.commit(xid, commit, at);
        }
        if (!commit.isAfter(applied)) {
            writer.rollback();
            return;
        }
        long n = writer.changes();
        commitTarget(commit);
        listener.committed(commit, n);
    }

    private void commitTarget(Lsn lsn) {
        try {
            writer.commit(lsn);
            applied = lsn;
        } catch (SQLException e) {
            throw TargetWriter.describe(e, new TableId("ferry", "applied"));
        }
    }

    private static Map<String, String> keyOf(Row row) {
        return row == null ? Map.of() : row.identityOnly().asMap();
    }

    private static Object header(SourceRecord r, String key) {
        Header h = r.headers().lastWithName(key);
        return h == null ? null : h.value();
    }
}
