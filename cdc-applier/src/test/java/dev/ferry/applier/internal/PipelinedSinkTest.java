package dev.ferry.applier.internal;

import static dev.ferry.applier.internal.ChangeLoopBoundariesTest.ALL_CHANGES;
import static dev.ferry.applier.internal.ChangeLoopBoundariesTest.KEYED;
import static dev.ferry.applier.internal.ChangeLoopBoundariesTest.assertWhole;
import static dev.ferry.applier.internal.ChangeLoopBoundariesTest.cut;
import static dev.ferry.applier.internal.ChangeLoopBoundariesTest.events;
import static dev.ferry.applier.internal.ChangeLoopBoundariesTest.loop;
import static dev.ferry.applier.internal.ChangeLoopBoundariesTest.stream;
import static dev.ferry.applier.internal.ChangeLoopBoundariesTest.withFence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.applier.StreamListener;
import dev.ferry.applier.internal.ChangeLoopBoundariesTest.Committer;
import dev.ferry.applier.internal.ChangeLoopBoundariesTest.RecordingSink;
import dev.ferry.core.Lsn;
import dev.ferry.transforms.RowChange;
import io.debezium.engine.RecordChangeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * The apply loop with the target on its own thread ({@link PipelinedSink}), the target slow to commit: a record is
 * marked processed only after the target committed it, the target still commits only whole source transactions in
 * order, a crash loses and doubles nothing, and a failure on the apply thread stops the loop with that failure.
 */
class PipelinedSinkTest {

    /** A target whose commits take a while, so a mark that does not wait for them comes first. */
    static class SlowSink extends ChangeLoopBoundariesTest.RecordingSink {
        @Override
        public synchronized void commit(Lsn lsn) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.commit(lsn);
        }
    }

    /** Marks are checked against what the target committed at that moment. */
    static final class CheckingCommitter extends Committer {
        final RecordingSink sink;
        final List<Long> markedCommits = new ArrayList<>();

        CheckingCommitter(List<SourceRecord> records, RecordingSink sink) {
            super(records);
            this.sink = sink;
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            Object commit = record.record().sourceOffset().get("lsn_commit");
            if (record.record().topic().endsWith(".transaction") && commit instanceof Long lsn) {
                synchronized (sink) {
                    assertTrue(sink.position() >= lsn, "END at " + lsn + " marked while the target holds only "
                            + sink.position());
                }
                markedCommits.add(lsn);
            }
            super.markProcessed(record);
        }
    }

    @Test
    void aRecordIsMarkedOnlyAfterTheTargetCommittedIt() throws Exception {
        List<SourceRecord> records = stream();
        for (int share : new int[] {1, 500}) {
            SlowSink sink = new SlowSink();
            CheckingCommitter committer = new CheckingCommitter(records, sink);
            try (PipelinedSink pipeline = new PipelinedSink(sink)) {
                ChangeLoop loop = loop(pipeline, 0, share, Map.of(), StreamListener.NONE);
                loop.handleBatch(events(records), committer);
                pipeline.sync();
            }
            assertEquals(ALL_CHANGES, sink.appliedChanges());
            assertTrue(committer.markedCommits.contains(300L), "the last END is marked: " + committer.markedCommits);
            assertEquals(committer.markedIndex, committer.flushedIndex, "the marks are flushed in the same batch");
        }
    }

    @Test
    void everyBatchCutAndCrashLosesAndDoublesNothing() throws Exception {
        List<SourceRecord> records = stream();
        int n = records.size();
        for (int cut1 = 1; cut1 < n; cut1++) {
            for (int cut2 = cut1; cut2 < n; cut2++) {
                for (int crashAfter = 0; crashAfter < 3; crashAfter++) {
                    String what = "cuts " + cut1 + "," + cut2 + " crash after batch " + crashAfter;
                    SlowSink sink = new SlowSink();
                    CheckingCommitter committer = new CheckingCommitter(records, sink);
                    List<List<SourceRecord>> batches = cut(records, cut1, cut2);
                    try (PipelinedSink pipeline = new PipelinedSink(sink)) {
                        ChangeLoop loop = loop(pipeline, 0, 500, Map.of(), StreamListener.NONE);
                        for (int b = 0; b <= crashAfter && b < batches.size(); b++) {
                            loop.handleBatch(events(batches.get(b)), committer);
                        }
                    } // closing waits for the apply thread: what it was handed is carried out
                    sink.crash();
                    assertWhole(sink, what);
                    List<SourceRecord> again = records.subList(committer.flushedIndex + 1, n);
                    try (PipelinedSink pipeline = new PipelinedSink(sink)) {
                        ChangeLoop restarted = loop(pipeline, sink.position(), 500, Map.of(), StreamListener.NONE);
                        restarted.handleBatch(events(again), new CheckingCommitter(again, sink));
                        pipeline.sync();
                    }
                    assertWhole(sink, what);
                    assertEquals(ALL_CHANGES, sink.appliedChanges(), what);
                }
            }
        }
    }

    @Test
    void theFenceIsOnTheTargetBeforeTheSwitchIsAsked() throws Exception {
        List<SourceRecord> records = withFence();
        SlowSink sink = new SlowSink();
        List<Long> seen = new ArrayList<>();
        try (PipelinedSink pipeline = new PipelinedSink(sink)) {
            ChangeLoop loop = loop(pipeline, 0, 500, Map.of(), new StreamListener() {
                @Override
                public boolean fenced(Lsn commit) {
                    synchronized (sink) {
                        seen.add(sink.position());
                    }
                    return true;
                }
            });
            assertThrows(ChangeLoop.SwitchedOver.class,
                    () -> loop.handleBatch(events(records), new CheckingCommitter(records, sink)));
        }
        assertEquals(List.of(160L), seen);
        assertEquals(ALL_CHANGES.subList(0, 3), sink.appliedChanges(), "nothing after the fence");
    }

    @Test
    void aFailureOnTheApplyThreadStopsTheLoopAndMarksNothingAfterIt() throws Exception {
        List<SourceRecord> records = stream();
        RuntimeException refused = new IllegalStateException("the target refused k (id=2)");
        RecordingSink sink = new SlowSink() {
            @Override
            public void write(RowChange change) {
                if (change.table().equals(KEYED.id()) && "2".equals(change.row().get("id"))) {
                    throw refused;
                }
                super.write(change);
            }
        };
        CheckingCommitter committer = new CheckingCommitter(records, sink);
        try (PipelinedSink pipeline = new PipelinedSink(sink)) {
            ChangeLoop loop = loop(pipeline, 0, 1, Map.of(), StreamListener.NONE);
            RuntimeException thrown = assertThrows(RuntimeException.class,
                    () -> loop.handleBatch(events(records), committer));
            assertSame(refused, thrown);
            assertSame(refused, loop.failure());
        }
        assertEquals(List.of(new Lsn(100)), sink.commitLsns(), "only the transaction before the failing one");
        assertEquals(-1, committer.flushedIndex, "nothing confirmed from a failed batch");
    }
}
