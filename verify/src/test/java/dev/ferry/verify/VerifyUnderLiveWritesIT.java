package dev.ferry.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Lsn;
import dev.ferry.core.state.Phase;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.StateStore;
import dev.ferry.embedded.ServerPair;
import dev.ferry.verify.RowDifference.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Verify while changes keep flowing. A writer changes the source continuously; a small applier in this test
 * copies each change to the target a few tens of milliseconds later and records the source LSN in the state
 * store in the same transaction, as the real stream does. Verify must report equal (no false alarm from changes
 * in flight) and still find a real difference made on the target behind the applier's back.
 */
class VerifyUnderLiveWritesIT {
    static final int ROWS = 20_000;
    /** Rows 1..CONTROL are never written by the writer: the test tampers with them on the target. */
    static final int CONTROL = 100;

    private static ServerPair pair;

    @BeforeAll
    static void start() {
        pair = ServerPair.start();
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    record Change(boolean delete, int id, long balance, String note, Lsn lsn, long at) {}

    @Test
    void verifyReportsEqualUnderLiveWritesAndStillFindsARealDifference() throws Exception {
        String setup = "CREATE TABLE acct (id int PRIMARY KEY, balance bigint NOT NULL, note text);"
                + "INSERT INTO acct SELECT g, g * 10, 'n' || g FROM generate_series(1, " + ROWS + ") g;";
        pair.source().execute("CREATE DATABASE live");
        pair.target().execute("CREATE DATABASE live");
        pair.source().execute("live", setup);
        pair.target().execute("live", setup);
        ConnectionSpec source = ConnectionSpec.parse(pair.source().uri("live"));
        ConnectionSpec target = ConnectionSpec.parse(pair.target().uri("live"));
        Lsn start = Lsn.parse(pair.source().queryValue("live", "SELECT pg_current_wal_lsn()::text"));
        try (StateStore store = StateStore.open(target, "ferry")) {
            store.createRun(new RunInfo(source.redacted(), "test", "ferry_slot", "ferry_pub", start, null,
                    Phase.STREAMING, Instant.now()));
        }

        BlockingQueue<Change> queue = new LinkedBlockingQueue<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong written = new AtomicLong();
        AtomicLong applied = new AtomicLong();
        volatile_stop = false;
        Thread writer = new Thread(() -> write(queue, written, failure), "test-writer");
        Thread applier = new Thread(() -> apply(queue, applied, failure), "test-applier");
        writer.start();
        applier.start();
        System.setProperty("ferry.verify.chunkPages", "32");
        try {
            awaitAtLeast(applied, 200, failure);
            VerifyOptions options = VerifyOptions.of(source, target).withJobs(2);

            for (int round = 0; round < 3; round++) {
                long before = written.get();
                VerifyResult r = Verifier.verify(options);
                assertTrue(r.equal(), "round " + round + ": a false alarm under live writes: " + r);
                assertTrue(written.get() > before, "the writer kept writing during verify");
            }

            pair.target().execute("live", "UPDATE acct SET note = 'tampered' WHERE id = 7; DELETE FROM acct WHERE id = 8");
            VerifyResult r = Verifier.verify(options);
            TableResult t = r.tables().get(0);
            assertEquals(List.of(new RowDifference(Kind.DIFFERENT, "id=7", 1),
                    new RowDifference(Kind.MISSING_ON_TARGET, "id=8", 1)), t.listed(), t::toString);
            assertEquals(2, t.differences());

            pair.target().execute("live", "UPDATE acct SET note = 'n7' WHERE id = 7; INSERT INTO acct VALUES (8, 80, 'n8')");
            assertTrue(Verifier.verify(options).equal(), "equal again once the target is repaired");

            volatile_stop = true;
            writer.join(10_000);
            awaitDrained(queue, failure);
            long t0 = System.nanoTime();
            VerifyResult idle = Verifier.verify(options);
            assertTrue(idle.equal(), () -> "equal once writes stop: " + idle);
            System.out.printf("idle verify after writes took %.2f s; %d changes written%n",
                    (System.nanoTime() - t0) / 1e9, written.get());
        } finally {
            volatile_stop = true;
            System.clearProperty("ferry.verify.chunkPages");
            writer.join(10_000);
            applier.interrupt();
            applier.join(10_000);
        }
        if (failure.get() != null) {
            throw new AssertionError("writer or applier failed", failure.get());
        }
    }

    private static volatile boolean volatile_stop;

    /** Changes the source at a few hundred changes a second: updates of existing rows, inserts and deletes. */
    private static void write(BlockingQueue<Change> queue, AtomicLong written, AtomicReference<Throwable> failure) {
        try (Connection c = pair.source().connect("live");
             PreparedStatement update = c.prepareStatement(
                     "UPDATE acct SET balance = balance + 1, note = 'w' || balance WHERE id = ? RETURNING balance, note");
             PreparedStatement insert = c.prepareStatement(
                     "INSERT INTO acct VALUES (?, 1, 'new') ON CONFLICT (id) DO UPDATE SET balance = acct.balance + 1 "
                             + "RETURNING balance, note");
             PreparedStatement delete = c.prepareStatement("DELETE FROM acct WHERE id = ?");
             Statement lsn = c.createStatement()) {
            int n = 0;
            while (!volatile_stop) {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                int kind = rnd.nextInt(10);
                Change change;
                if (kind < 8) {
                    int id = CONTROL + 1 + rnd.nextInt(ROWS - CONTROL);
                    update.setInt(1, id);
                    change = returned(update, id);
                } else if (kind == 8) {
                    int id = ROWS + 1 + rnd.nextInt(2000);
                    insert.setInt(1, id);
                    change = returned(insert, id);
                } else {
                    int id = ROWS + 1 + rnd.nextInt(2000);
                    delete.setInt(1, id);
                    delete.executeUpdate();
                    change = new Change(true, id, 0, null, null, 0);
                }
                if (change == null) {
                    continue;
                }
                try (ResultSet rs = lsn.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                    rs.next();
                    queue.add(new Change(change.delete(), change.id(), change.balance(), change.note(),
                            Lsn.parse(rs.getString(1)), System.nanoTime()));
                }
                written.incrementAndGet();
                if (++n % 4 == 0) {
                    Thread.sleep(5); // pacing: a few hundred changes a second, not a benchmark
                }
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    private static Change returned(PreparedStatement ps, int id) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Change(false, id, rs.getLong(1), rs.getString(2), null, 0) : null;
        }
    }

    /** Applies each change about 30 ms after it happened, in batches, recording the LSN with the data. */
    private static void apply(BlockingQueue<Change> queue, AtomicLong applied, AtomicReference<Throwable> failure) {
        try (Connection c = pair.target().connect("live");
             PreparedStatement upsert = c.prepareStatement("INSERT INTO acct VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE "
                     + "SET balance = excluded.balance, note = excluded.note");
             PreparedStatement delete = c.prepareStatement("DELETE FROM acct WHERE id = ?")) {
            c.setAutoCommit(false);
            while (true) {
                Change first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                long due = first.at() + TimeUnit.MILLISECONDS.toNanos(30);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                List<Change> batch = new ArrayList<>(List.of(first));
                queue.drainTo(batch, 50);
                for (Change ch : batch) {
                    if (ch.delete()) {
                        delete.setInt(1, ch.id());
                        delete.executeUpdate();
                    } else {
                        upsert.setInt(1, ch.id());
                        upsert.setLong(2, ch.balance());
                        upsert.setString(3, ch.note());
                        upsert.executeUpdate();
                    }
                }
                StateStore.recordApplied(c, "ferry", 0, batch.get(batch.size() - 1).lsn(), batch.size());
                c.commit();
                applied.addAndGet(batch.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    private static void awaitAtLeast(AtomicLong counter, long n, AtomicReference<Throwable> failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (counter.get() < n && failure.get() == null) {
            assertTrue(System.nanoTime() < deadline, "the test applier did not apply " + n + " changes in 30 s");
            Thread.sleep(20);
        }
    }

    private static void awaitDrained(BlockingQueue<Change> queue, AtomicReference<Throwable> failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!queue.isEmpty() && failure.get() == null) {
            assertTrue(System.nanoTime() < deadline, "the test applier did not drain its queue in 30 s");
            Thread.sleep(20);
        }
    }
}
