package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.Daemons;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The snapshot while the application writes: exactly the state at the consistent point, all workers busy. */
class SnapshotWritesIT extends SnapshotServers {
    static final int N = 40_000;

    static void createItems(String db) {
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE items (id bigint PRIMARY KEY, val bigint NOT NULL, "
                + "pad text NOT NULL DEFAULT repeat('p', 120)); CREATE TABLE wlog (k int PRIMARY KEY); "
                + "INSERT INTO items (id, val) SELECT g, 0 FROM generate_series(1, " + N + ") g");
        servers.source().execute(db, "VACUUM ANALYZE items");
    }

    static long updated(long k) {
        return 1 + (k * 7919) % N;
    }

    static long deleted(long k) {
        return 1 + (k * 104729 + 13) % N;
    }

    /**
     * Transaction k updates one row, inserts one, deletes one and logs k in {@code wlog}, so the copied log tells
     * exactly which transactions a consistent copy must contain.
     */
    static CompletableFuture<Void> writer(String db, AtomicBoolean stop, AtomicInteger written) {
        // On a thread of its own, as an application's would be: the common pool is another test's to hold.
        return CompletableFuture.runAsync(() -> {
            try (Connection c = servers.source().connect(db)) {
                c.setAutoCommit(false);
                try (PreparedStatement up = c.prepareStatement("UPDATE items SET val = ? WHERE id = ?");
                     PreparedStatement ins = c.prepareStatement("INSERT INTO items (id, val) VALUES (?, ?)");
                     PreparedStatement del = c.prepareStatement("DELETE FROM items WHERE id = ?");
                     PreparedStatement log = c.prepareStatement("INSERT INTO wlog VALUES (?)")) {
                    for (int k = 1; !stop.get(); k++) {
                        up.setLong(1, k);
                        up.setLong(2, updated(k));
                        up.executeUpdate();
                        ins.setLong(1, 1_000_000L + k);
                        ins.setLong(2, k);
                        ins.executeUpdate();
                        del.setLong(1, deleted(k));
                        del.executeUpdate();
                        log.setInt(1, k);
                        log.executeUpdate();
                        c.commit();
                        written.set(k);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, task -> Daemons.start("test-writer", task));
    }

    static List<List<String>> expected(int transactions) {
        Map<Long, Long> rows = new TreeMap<>();
        for (long i = 1; i <= N; i++) {
            rows.put(i, 0L);
        }
        for (long k = 1; k <= transactions; k++) {
            long value = k;
            rows.computeIfPresent(updated(k), (id, v) -> value);
            rows.put(1_000_000L + k, k);
            rows.remove(deleted(k));
        }
        List<List<String>> out = new ArrayList<>();
        rows.forEach((id, v) -> out.add(List.of(String.valueOf(id), String.valueOf(v))));
        return out;
    }

    static void awaitWrites(AtomicInteger written, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (written.get() < atLeast) {
            assertTrue(System.nanoTime() < deadline, "the writer did not get going");
            Thread.sleep(10);
        }
    }

    @Test
    void theTargetHoldsExactlyTheTransactionsCommittedBeforeTheConsistentPoint() throws Exception {
        copyWhileWriting("consistent", "--jobs", "3", "--chunk-size", "256kB", "--max-rate", "40000rows");
    }

    @Test
    void aTableCopiedWholeAndFrozenHoldsExactlyThoseTransactionsToo() throws Exception {
        // The default chunk size and one worker: items is one chunk, TRUNCATE and COPY ... FREEZE in one transaction.
        copyWhileWriting("wholewrites", "--jobs", "1", "--max-rate", "40000rows");
        assertEquals("1", servers.target().queryValue("wholewrites",
                "SELECT count(*) FROM ferry.chunks WHERE source_name = 'items' AND kind = 'all'"));
        // Loaded frozen: all-visible but the page where each multi-insert batch of 1000 rows ended (a plain load: 0).
        assertEquals("t", servers.target().queryValue("wholewrites",
                "SELECT relallvisible >= relpages * 0.9 FROM pg_class WHERE oid = 'items'::regclass"),
                servers.target().queryValue("wholewrites", "SELECT relpages || '/' || relallvisible FROM pg_class WHERE oid = 'items'::regclass"));
    }

    /** Snapshots {@code db} while the writer runs; the target must hold exactly the writes before the consistent point. */
    private static void copyWhileWriting(String db, String... args) throws Exception {
        createItems(db);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        CompletableFuture<Void> app = writer(db, stop, written);
        awaitWrites(written, 50);
        List<String> a = new ArrayList<>(List.of("snapshot", "--source", servers.source().uri(db), "--target",
                servers.target().uri(db), "--progress", "log", "--slot", "slot_" + db, "--publication", "pub_" + db));
        a.addAll(List.of(args));
        FerryRun r = FerryRun.run(a.toArray(new String[0]));
        int afterCopy = written.get();
        stop.set(true);
        app.get();
        assertEquals(0, r.exit(), r.all());
        int k = Integer.parseInt(servers.target().queryValue(db, "SELECT count(*) FROM wlog"));
        assertEquals(String.valueOf(k), servers.target().queryValue(db, "SELECT coalesce(max(k), 0) FROM wlog"),
                "the copied log has no gap");
        assertTrue(k >= 50, "writes before the slot are in the copy: " + k);
        assertTrue(afterCopy > k, "writes went on during the copy (" + afterCopy + " written, " + k + " copied)");
        assertEquals(expected(k), servers.target().query(db, "SELECT id, val FROM items ORDER BY id"));
        servers.source().execute(db, "SELECT pg_drop_replication_slot('slot_" + db + "')");
    }

    @Test
    void oneBigTableKeepsEveryWorkerBusy() throws Exception {
        createItems("busy");
        CompletableFuture<FerryRun> run = CompletableFuture.supplyAsync(() -> FerryRun.run("snapshot", "--source",
                servers.source().uri("busy"), "--target", servers.target().uri("busy"), "--tables", "items",
                "--jobs", "3", "--chunk-size", "128kB", "--max-rate", "30000rows", "--slot", "slot_busy",
                "--publication", "pub_busy", "--progress", "log"));
        int most = 0;
        while (!run.isDone()) {
            // The target's side: a COPY FROM stays active while its worker streams (the source's ends early, its rows
            // waiting in socket buffers).
            most = Math.max(most, Integer.parseInt(servers.target().queryValue("busy", "SELECT count(*) FROM pg_stat_activity "
                    + "WHERE application_name = 'ferry copy' AND state = 'active' AND query LIKE 'COPY%'")));
            Thread.sleep(20);
        }
        FerryRun r = run.get();
        assertEquals(0, r.exit(), r.all());
        assertEquals(3, most, "copies running at once");
        assertTrue(Integer.parseInt(servers.target().queryValue("busy", "SELECT count(*) FROM ferry.chunks")) > 3);
        assertEquals(servers.source().query("busy", "SELECT id, val FROM items ORDER BY id"),
                servers.target().query("busy", "SELECT id, val FROM items ORDER BY id"));
    }

    @Test
    void slotCreationWaitingTooLongForARunningTransactionGivesUpAndLeavesNothingBehind() throws Exception {
        createItems("blocked");
        try (Connection holder = servers.source().connect("blocked"); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute("INSERT INTO wlog VALUES (-1)");
            String pid = servers.source().queryValue("blocked", "SELECT pid FROM pg_stat_activity WHERE backend_xid IS NOT NULL "
                    + "AND datname = 'blocked'");
            FerryRun r = FerryRun.run("snapshot", "--source", servers.source().uri("blocked"), "--target",
                    servers.target().uri("blocked"), "--slot", "slot_blocked", "--publication", "pub_blocked",
                    "--slot-timeout", "3", "--progress", "log");
            assertEquals(3, r.exit(), r.all());
            assertTrue(r.err().contains("waited 3 s for transaction pid " + pid), r.all());
            assertTrue(r.out().contains("waits for transaction pid " + pid), r.all());
            holder.rollback();
        }
        assertEquals("0", servers.source().queryValue("blocked", "SELECT count(*) FROM pg_replication_slots "
                + "WHERE slot_name = 'slot_blocked'"));
        assertEquals("0", servers.source().queryValue("blocked", "SELECT count(*) FROM pg_publication"));
        assertEquals("0", servers.target().queryValue("blocked", "SELECT count(*) FROM ferry.run"));
        FerryRun again = FerryRun.run("snapshot", "--source", servers.source().uri("blocked"), "--target",
                servers.target().uri("blocked"), "--slot", "slot_blocked", "--publication", "pub_blocked", "--progress", "none");
        assertEquals(0, again.exit(), again.all());
    }

    @Test
    void aSlotIsAskedForEvenWhileEveryThreadOfTheCommonPoolIsBusy() throws Exception {
        // CompletableFuture's default executor is the common pool on JDK 25 even when that pool has one thread (JDK
        // 17 starts a thread per task then): whatever holds the pool, in this JVM a test, must not keep the slot
        // from being asked for. With the slot on the common pool this fails on JDK 25 (the slot waits 15 s).
        int threads = ForkJoinPool.getCommonPoolParallelism();
        CountDownLatch held = new CountDownLatch(threads);
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < threads; i++) {
            ForkJoinPool.commonPool().execute(() -> {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        try {
            assertTrue(held.await(10, TimeUnit.SECONDS), "every common-pool thread is held");
            copyWhileWriting("busypool", "--slot-timeout", "15");
        } finally {
            release.countDown();
        }
    }

    @Test
    void enrichmentLooksUpUnderTheSameSnapshotWhileTheReferencedRowsChange(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        servers.source().execute("CREATE DATABASE enrich");
        servers.target().execute("CREATE DATABASE enrich");
        dev.ferry.embedded.Fixtures.load(servers.source(), "enrich", "stories.sql", Map.of("scale", "0.2"));
        java.nio.file.Path config = dir.resolve("ferry.yml");
        java.nio.file.Files.writeString(config, """
                transforms:
                  - type: enrich
                    table: public.transaction_details
                    column: user_id
                    from: public.transactions
                    match: {id: transaction_id}
                    take: user_id
                """);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        CompletableFuture<Void> app = CompletableFuture.runAsync(() -> {
            try (Connection c = servers.source().connect("enrich");
                 PreparedStatement move = c.prepareStatement("UPDATE transactions SET user_id = 1 + user_id % 2000 "
                         + "WHERE id BETWEEN ? AND ? + 20")) {
                for (int k = 0; !stop.get(); k = (k + 20) % 10000) {
                    move.setInt(1, k);
                    move.setInt(2, k);
                    move.executeUpdate();
                    written.incrementAndGet();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        awaitWrites(written, 10);
        FerryRun r = FerryRun.run("snapshot", "--source", servers.source().uri("enrich"), "--target",
                servers.target().uri("enrich"), "--config", config.toString(), "--tables",
                "users,transactions,transaction_details", "--jobs", "2", "--chunk-size", "256kB", "--max-rate", "30000rows",
                "--slot", "slot_enrich", "--publication", "pub_enrich", "--progress", "log");
        stop.set(true);
        app.get();
        assertEquals(0, r.exit(), r.all());
        assertEquals("30000", servers.target().queryValue("enrich", "SELECT count(user_id) FROM transaction_details"));
        assertEquals("0", servers.target().queryValue("enrich", "SELECT count(*) FROM transaction_details d "
                + "JOIN transactions t ON t.id = d.transaction_id WHERE d.user_id IS DISTINCT FROM t.user_id"),
                "every detail has its transaction's user as of the snapshot");
        String moved = "SELECT string_agg(user_id::text, ',' ORDER BY id) FROM transactions";
        assertTrue(!servers.source().queryValue("enrich", moved).equals(servers.target().queryValue("enrich", moved)),
                "transactions changed after the consistent point");
    }
}
