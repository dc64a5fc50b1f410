package dev.ferry.applier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.applier.StreamListener;
import dev.ferry.applier.StreamOptions;
import dev.ferry.core.Lsn;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.RowChange;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformException;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * The apply loop fed synthetic Debezium records, with Debezium's batches cut at every position (BEGIN, mid
 * transaction, END, heartbeat, fence message) and a crash after every batch: the target only ever commits whole
 * source transactions, and after the restart every change is applied exactly once.
 */
class ChangeLoopBoundariesTest {
    static final TableSchema KEYED = new TableSchema(new TableId("public", "k"),
            List.of(Column.of("id", "integer"), Column.of("v", "text")), List.of("id"));
    static final TableSchema KEYLESS = new TableSchema(new TableId("public", "dup"),
            List.of(Column.of("a", "text")), List.of());
    static final Map<TableId, TableSchema> TABLES = Map.of(KEYED.id(), KEYED, KEYLESS.id(), KEYLESS);

    /** Three source transactions (commit LSNs 100, 200, 300), heartbeats inside and between, a fence message. */
    static List<SourceRecord> stream() {
        List<SourceRecord> r = new ArrayList<>();
        r.add(begin(1));
        r.add(keyed(1, 60, "1", "a"));
        r.add(keyless(1, 61, "twin"));
        r.add(heartbeat(50)); // mid-transaction: its offset points inside transaction 1
        r.add(keyless(1, 62, "twin"));
        r.add(end(1, 100));
        r.add(heartbeat(100));
        r.add(begin(2));
        r.add(keyed(2, 110, "2", "b"));
        r.add(message(2, 115, "ferry.heartbeat"));
        r.add(keylessDelete(2, 120, "twin"));
        r.add(heartbeat(200)); // between COMMIT and END: Debezium's commitMessage heartbeat
        r.add(end(2, 200));
        r.add(begin(3));
        r.add(keyed(3, 210, "1", "c"));
        r.add(keyless(3, 220, "other"));
        r.add(end(3, 300));
        return r;
    }

    static final List<String> ALL_CHANGES = List.of("k INSERT {id=1, v=a}", "dup INSERT {a=twin}",
            "dup INSERT {a=twin}", "k INSERT {id=2, v=b}", "dup DELETE {a=twin}", "k INSERT {id=1, v=c}",
            "dup INSERT {a=other}");
    static final Map<Long, Integer> CHANGES_BY_COMMIT = Map.of(100L, 3, 200L, 2, 300L, 2);

    @Test
    void everyBatchCutCommitsOnlyWholeSourceTransactions() throws Exception {
        List<SourceRecord> records = stream();
        int n = records.size();
        for (int cut1 = 1; cut1 < n; cut1++) {
            for (int cut2 = cut1; cut2 < n; cut2++) {
                for (int share : new int[] {1, 500}) {
                    RecordingSink sink = new RecordingSink();
                    Committer committer = new Committer(records);
                    ChangeLoop loop = loop(sink, 0, share, Map.of(), StreamListener.NONE);
                    for (List<SourceRecord> batch : cut(records, cut1, cut2)) {
                        loop.handleBatch(events(batch), committer);
                        assertWhole(sink, "cuts " + cut1 + "," + cut2 + " share " + share);
                    }
                    assertEquals(ALL_CHANGES, sink.appliedChanges(), "cuts " + cut1 + "," + cut2);
                    assertEquals(new Lsn(300), loop.applied());
                    assertTrue(committer.flushedIndex >= records.indexOf(records.get(n - 1)),
                            "the last END is confirmed");
                }
            }
        }
    }

    @Test
    void aCrashAfterAnyBatchLosesAndDoublesNothing() throws Exception {
        List<SourceRecord> records = stream();
        int n = records.size();
        for (int cut1 = 1; cut1 < n; cut1++) {
            for (int cut2 = cut1; cut2 < n; cut2++) {
                for (int crashAfter = 0; crashAfter < 3; crashAfter++) {
                    for (boolean offsetsLost : new boolean[] {false, true}) {
                        String what = "cuts " + cut1 + "," + cut2 + " crash after batch " + crashAfter
                                + (offsetsLost ? " before its offsets were saved" : "");
                        RecordingSink sink = new RecordingSink();
                        Committer committer = new Committer(records);
                        ChangeLoop loop = loop(sink, 0, 500, Map.of(), StreamListener.NONE);
                        List<List<SourceRecord>> batches = cut(records, cut1, cut2);
                        int flushedBefore = -1;
                        for (int b = 0; b <= crashAfter && b < batches.size(); b++) {
                            flushedBefore = committer.flushedIndex;
                            loop.handleBatch(events(batches.get(b)), committer);
                        }
                        sink.crash(); // the open target transaction dies with the process
                        int resumeAt = (offsetsLost ? flushedBefore : committer.flushedIndex) + 1;
                        // Debezium resumes after the last confirmed record: a transaction boundary, or a heartbeat
                        // confirmed between transactions.
                        List<SourceRecord> again = records.subList(resumeAt, n);
                        ChangeLoop restarted = loop(sink, sink.position(), 500, Map.of(), StreamListener.NONE);
                        restarted.handleBatch(events(again), new Committer(again));
                        assertWhole(sink, what);
                        assertEquals(ALL_CHANGES, sink.appliedChanges(), what);
                    }
                }
            }
        }
    }

    @Test
    void transactionsAtOrBelowTheAppliedPositionAreRolledBack() throws Exception {
        RecordingSink sink = new RecordingSink();
        ChangeLoop loop = loop(sink, 200, 500, Map.of(), StreamListener.NONE);
        loop.handleBatch(events(stream()), new Committer(stream()));
        assertEquals(List.of("k INSERT {id=1, v=c}", "dup INSERT {a=other}"), sink.appliedChanges());
    }

    @Test
    void theFenceStopsTheStreamWhenTheSwitchCompletes() throws Exception {
        List<SourceRecord> records = withFence();
        List<Lsn> asked = new ArrayList<>();
        RecordingSink sink = new RecordingSink();
        ChangeLoop loop = loop(sink, 0, 500, Map.of(), new StreamListener() {
            @Override
            public boolean fenced(Lsn commit) {
                asked.add(commit);
                return true;
            }
        });
        Committer committer = new Committer(records);
        assertThrows(ChangeLoop.SwitchedOver.class, () -> loop.handleBatch(events(records), committer));
        assertEquals(List.of(new Lsn(160)), asked);
        assertEquals(160, sink.position(), "the fence's transaction is on the target");
        assertEquals(ALL_CHANGES.subList(0, 3), sink.appliedChanges(), "nothing after the fence");
        assertEquals(8, committer.flushedIndex, "the fence's END is confirmed before the switch is asked");
        loop.handleBatch(events(records), committer);
        assertEquals(ALL_CHANGES.subList(0, 3), sink.appliedChanges(), "a stopped loop applies nothing");
    }

    @Test
    void anAbortedSwitchLetsTheStreamGoOn() throws Exception {
        List<SourceRecord> records = withFence();
        RecordingSink sink = new RecordingSink();
        ChangeLoop loop = loop(sink, 0, 500, Map.of(), StreamListener.NONE);
        loop.handleBatch(events(records), new Committer(records));
        assertEquals(List.of(new Lsn(160), new Lsn(300)), sink.commitLsns(), "the fence commits with the one held before it");
    }

    @Test
    void aTableCopiedAgainSkipsChangesOfTransactionsAtOrBelowItsFloor() throws Exception {
        RecordingSink sink = new RecordingSink();
        // dup was copied again at 150: transaction 1 (commit 100) is in that copy, transaction 2 (commit 200) is
        // not, although its delete's own LSN (120) is below the floor.
        ChangeLoop loop = loop(sink, 0, 500, Map.of(KEYLESS.id(), new Lsn(150)), StreamListener.NONE);
        loop.handleBatch(events(stream()), new Committer(stream()));
        assertEquals(List.of("k INSERT {id=1, v=a}", "k INSERT {id=2, v=b}", "dup DELETE {a=twin}",
                "k INSERT {id=1, v=c}", "dup INSERT {a=other}"), sink.appliedChanges());
    }

    @Test
    void changesOfATableWithAFloorKeepTheirOrderInsideATransaction() throws Exception {
        List<SourceRecord> records = List.of(begin(7), keyed(7, 140, "9", "first"), keyed(7, 160, "9", "second"),
                end(7, 170));
        RecordingSink sink = new RecordingSink();
        ChangeLoop loop = loop(sink, 0, 500, Map.of(KEYED.id(), new Lsn(150)), StreamListener.NONE);
        loop.handleBatch(events(records), new Committer(records));
        assertEquals(List.of("k INSERT {id=9, v=first}", "k INSERT {id=9, v=second}"), sink.appliedChanges());
    }

    // ---- fixtures ----

    /** Transaction 1, the switch's fence alone in a transaction committed at 160, transaction 3. */
    static List<SourceRecord> withFence() {
        List<SourceRecord> records = new ArrayList<>(stream().subList(0, 6));
        records.add(begin(2));
        records.add(message(2, 150, "ferry.fence"));
        records.add(end(2, 160));
        records.addAll(stream().subList(13, 17));
        return records;
    }

    static ChangeLoop loop(ChangeSink sink, long applied, int share, Map<TableId, Lsn> floors, StreamListener l) {
        return new ChangeLoop(TABLES, TransformChain.identity(), (t, k) -> Optional.empty(), sink, null,
                StreamOptions.OnError.STOP, new Lsn(applied), l, share, floors, null);
    }

    /** Every committed target transaction holds whole source transactions, in commit order. */
    static void assertWhole(RecordingSink sink, String what) {
        long previous = 0;
        for (RecordingSink.Commit c : sink.commits) {
            long expected = 0;
            for (Map.Entry<Long, Integer> e : CHANGES_BY_COMMIT.entrySet()) {
                if (e.getKey() > previous && e.getKey() <= c.lsn().value()) {
                    expected += e.getValue();
                }
            }
            if (c.changes().size() > 0 || expected > 0) {
                assertEquals(expected, c.changes().size(), what + ": commit at " + c.lsn() + " holds " + c.changes());
            }
            previous = Math.max(previous, c.lsn().value());
        }
    }

    static List<List<SourceRecord>> cut(List<SourceRecord> records, int cut1, int cut2) {
        List<List<SourceRecord>> out = new ArrayList<>();
        out.add(records.subList(0, cut1));
        if (cut2 > cut1) {
            out.add(records.subList(cut1, cut2));
        }
        out.add(records.subList(cut2, records.size()));
        return out;
    }

    static List<RecordChangeEvent<SourceRecord>> events(List<SourceRecord> records) {
        List<RecordChangeEvent<SourceRecord>> out = new ArrayList<>();
        for (SourceRecord r : records) {
            out.add(new Event(r));
        }
        return out;
    }

    record Event(SourceRecord record) implements RecordChangeEvent<SourceRecord> {}

    /** Debezium's committer as the loop sees it: the position it may resume after is the last flushed mark. */
    static class Committer implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
        final List<SourceRecord> records;
        int markedIndex = -1;
        int flushedIndex = -1;

        Committer(List<SourceRecord> records) {
            this.records = records;
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            int i = records.indexOf(record.record());
            assertTrue(i > markedIndex, "marks move forward");
            markedIndex = i;
        }

        @Override
        public void markBatchFinished() {
            flushedIndex = markedIndex;
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets offsets) {
            markProcessed(record);
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            throw new UnsupportedOperationException();
        }
    }

    /** The target: committed transactions survive a crash, the open one does not. */
    static class RecordingSink implements ChangeSink {
        record Commit(Lsn lsn, List<String> changes) {}

        final List<Commit> commits = new ArrayList<>();
        final List<String> open = new ArrayList<>();

        @Override
        public void write(RowChange change) {
            open.add(change.table().name() + " " + change.op() + " " + change.row().asMap());
        }

        @Override
        public void truncate(dev.ferry.transforms.TableId table, dev.ferry.applier.debezium.TruncateOptions options) {
            open.add(table.name() + " TRUNCATE" + options.sql());
        }

        @Override
        public void writeKeyless(Op op, Row row, Row before) {
            open.add(row.table().name() + " " + op + " " + (op == Op.DELETE ? before : row).asMap());
        }

        @Override
        public void updateKey(Row oldKey, Row row) {
            open.add(row.table().name() + " KEY " + row.asMap());
        }

        @Override
        public void deadLetter(TransformException e, Row row) {
            open.add("dead letter");
        }

        @Override
        public void commit(Lsn lsn) {
            assertTrue(lsn.value() > position(), "the position never moves back: " + lsn + " after " + position());
            commits.add(new Commit(lsn, List.copyOf(open)));
            open.clear();
        }

        @Override
        public void rollback() {
            open.clear();
        }

        void crash() {
            open.clear();
        }

        @Override
        public boolean open() {
            return !open.isEmpty();
        }

        @Override
        public long changes() {
            return open.size();
        }

        @Override
        public void close() {}

        long position() {
            return commits.isEmpty() ? 0 : commits.get(commits.size() - 1).lsn().value();
        }

        List<Lsn> commitLsns() {
            return commits.stream().map(Commit::lsn).toList();
        }

        List<String> appliedChanges() {
            return commits.stream().flatMap(c -> c.changes().stream()).toList();
        }
    }

    // ---- Debezium-shaped records ----

    static final Schema TX = SchemaBuilder.struct().field("status", Schema.STRING_SCHEMA)
            .field("id", Schema.STRING_SCHEMA).field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
    static final Schema SOURCE = SchemaBuilder.struct().field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA).build();
    static final Schema KEYED_ROW = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
            .field("v", Schema.OPTIONAL_STRING_SCHEMA).optional().build();
    static final Schema KEYLESS_ROW = SchemaBuilder.struct().field("a", Schema.OPTIONAL_STRING_SCHEMA).optional().build();
    static final Schema MESSAGE_KEY = SchemaBuilder.struct().field("prefix", Schema.OPTIONAL_STRING_SCHEMA).build();
    static final Schema MESSAGE_VALUE = SchemaBuilder.struct().field("op", Schema.STRING_SCHEMA).build();

    static Map<String, Object> offset(long xid, Long lsn, Long commit) {
        Map<String, Object> o = new HashMap<>();
        o.put("txId", xid);
        if (lsn != null) {
            o.put("lsn", lsn);
        }
        if (commit != null) {
            o.put("lsn_commit", commit);
        }
        return o;
    }

    static SourceRecord begin(long xid) {
        Struct v = new Struct(TX).put("status", "BEGIN").put("id", xid + ":0");
        return new SourceRecord(Map.of(), offset(xid, null, null), "ferry.transaction", TX, v);
    }

    static SourceRecord end(long xid, long commit) {
        Struct v = new Struct(TX).put("status", "END").put("id", xid + ":" + commit).put("ts_ms", 1L);
        return new SourceRecord(Map.of(), offset(xid, commit, commit), "ferry.transaction", TX, v);
    }

    static SourceRecord heartbeat(long lastCommit) {
        return new SourceRecord(Map.of(), offset(0, lastCommit, lastCommit), "__debezium-heartbeat.ferry", null, null);
    }

    static SourceRecord message(long xid, long lsn, String prefix) {
        return new SourceRecord(Map.of(), offset(xid, lsn, null), "ferry.message", MESSAGE_KEY,
                new Struct(MESSAGE_KEY).put("prefix", prefix), MESSAGE_VALUE, new Struct(MESSAGE_VALUE).put("op", "m"));
    }

    static SourceRecord keyed(long xid, long lsn, String id, String v) {
        Schema env = envelope(KEYED_ROW);
        Struct after = new Struct(KEYED_ROW).put("id", Integer.parseInt(id)).put("v", v);
        return change(env, KEYED, xid, lsn, "c", null, after);
    }

    static SourceRecord keyless(long xid, long lsn, String a) {
        return change(envelope(KEYLESS_ROW), KEYLESS, xid, lsn, "c", null, new Struct(KEYLESS_ROW).put("a", a));
    }

    static SourceRecord keylessDelete(long xid, long lsn, String a) {
        return change(envelope(KEYLESS_ROW), KEYLESS, xid, lsn, "d", new Struct(KEYLESS_ROW).put("a", a), null);
    }

    static Schema envelope(Schema row) {
        return SchemaBuilder.struct().field("before", row).field("after", row).field("source", SOURCE)
                .field("op", Schema.STRING_SCHEMA).build();
    }

    static SourceRecord change(Schema env, TableSchema t, long xid, long lsn, String op, Struct before, Struct after) {
        Struct src = new Struct(SOURCE).put("schema", t.id().schema()).put("table", t.id().name()).put("lsn", lsn)
                .put("txId", xid).put("ts_ms", 1L);
        Struct v = new Struct(env).put("before", before).put("after", after).put("source", src).put("op", op);
        return new SourceRecord(Map.of(), offset(xid, lsn, null), "ferry." + t.id().schema() + "." + t.id().name(),
                env, v);
    }
}
