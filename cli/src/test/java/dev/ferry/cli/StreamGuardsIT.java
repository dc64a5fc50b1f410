package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream's guards, each in its own database on one server pair: per-key coalescing only where no other
 * constraint relates rows, heartbeats that move the slot on a quiet database, an invalidated slot, and a change
 * the target refuses.
 */
class StreamGuardsIT extends SnapshotServers {
    static final Duration CATCH_UP = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    /** {@code ferry start} into database {@code db} on both servers, with a slot and publication of its own. */
    RunningFerry start(String db, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("start", "--source", servers.source().uri(db), "--target",
                servers.target().uri(db), "--slot", "slot_" + db, "--publication", "pub_" + db));
        args.addAll(List.of(extra));
        return RunningFerry.start(tmp.resolve(db + ".log"), args.toArray(new String[0]));
    }

    static void assertSame(String db, String table) {
        String sql = "SELECT t::text FROM " + table + " t ORDER BY id";
        assertEquals(servers.source().query(db, sql), servers.target().query(db, sql), table + " rows");
    }

    /**
     * Changes of many source transactions share a target transaction and are coalesced per key (written out of
     * order) where only the primary key relates rows; a table with another unique index keeps source order.
     * Concurrent writers mix every change kind, with unchanged TOAST values in the same transactions.
     */
    @Test
    void coalescedAndOrderedTablesBothEndEqualUnderConcurrentWrites() throws Exception {
        String db = "coalesce";
        createDatabases(db);
        servers.source().execute(db, """
                CREATE TABLE free (id int PRIMARY KEY, n int NOT NULL, big text);
                INSERT INTO free SELECT g, 0, CASE WHEN g % 50 = 0 THEN repeat(md5(g::text), 3000) END
                  FROM generate_series(1, 400) g;
                CREATE TABLE slots (id int PRIMARY KEY, code int NOT NULL UNIQUE, n int NOT NULL DEFAULT 0);
                INSERT INTO slots SELECT g, g FROM generate_series(1, 50) g;
                """);
        try (RunningFerry ferry = start(db)) {
            ferry.awaitPhase(servers.target(), db, "STREAMING", CATCH_UP);
            AtomicBoolean stop = new AtomicBoolean();
            Thread[] writers = new Thread[3];
            for (int w = 0; w < writers.length; w++) {
                writers[w] = new Thread(() -> write(db, stop));
                writers[w].start();
            }
            Thread.sleep(4000); // a load to run through, not a condition to wait for
            stop.set(true);
            for (Thread t : writers) {
                t.join();
            }
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, CATCH_UP);
            assertSame(db, "free");
            assertSame(db, "slots");
        }
    }

    /** Random transactions: updates (TOAST left unchanged), delete + re-insert, unique-code swaps. */
    private static void write(String db, AtomicBoolean stop) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        try (Connection c = servers.source().connect(db); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            while (!stop.get()) {
                try {
                    int a = r.nextInt(1, 400);
                    int b = r.nextInt(1, 400);
                    s.execute("UPDATE free SET n = n + 1 WHERE id = " + a);
                    s.execute("UPDATE free SET n = n + 10 WHERE id = " + a);
                    s.execute("DELETE FROM free WHERE id = " + b);
                    s.execute("INSERT INTO free VALUES (" + b + ", 7, 'again') ON CONFLICT DO NOTHING");
                    s.execute("UPDATE free SET n = n + 1 WHERE id = " + b);
                    int x = r.nextInt(1, 50);
                    int y = r.nextInt(1, 50);
                    if (x != y) {
                        // Swap two unique codes through a free value: only valid in source order.
                        s.execute("UPDATE slots SET code = -code WHERE id = " + x);
                        s.execute("UPDATE slots SET code = (SELECT -code FROM slots WHERE id = " + x + ") WHERE id = " + y);
                        s.execute("UPDATE slots SET code = " + (1000 + r.nextInt(100000)) + " WHERE id = " + x);
                    }
                    c.commit();
                } catch (SQLException e) {
                    c.rollback(); // a conflict between writers: try another transaction
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The migrated tables idle while the rest of the source server writes WAL: the slot must still move on
     * (heartbeats), or the source retains WAL without bound; changes after the quiet time still arrive.
     */
    @Test
    void theSlotMovesOnWhileTheMigratedTablesAreIdle() throws Exception {
        String db = "quiet";
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' FROM "
                + "generate_series(1, 10) g; CREATE TABLE not_migrated (id int)");
        try (RunningFerry ferry = start(db, "--tables", "t", "--heartbeat", "1")) {
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, CATCH_UP);
            // WAL from elsewhere on the server: another database, and a table of this one that is not migrated.
            servers.source().execute("CREATE DATABASE busy");
            servers.source().execute("busy", "CREATE TABLE x AS SELECT g FROM generate_series(1, 200000) g");
            servers.source().execute(db, "INSERT INTO not_migrated SELECT generate_series(1, 100000)");
            String walEnd = servers.source().queryValue(db, "SELECT pg_current_wal_lsn()::text");
            ferry.await("the slot to move past " + walEnd + " with the migrated table idle", Duration.ofSeconds(60),
                    () -> "t".equals(servers.source().queryValue(db, "SELECT confirmed_flush_lsn >= '" + walEnd
                            + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'slot_" + db + "'")));
            servers.source().execute(db, "UPDATE t SET v = 'after the quiet time' WHERE id = 3");
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, CATCH_UP);
            assertEquals("after the quiet time", servers.target().queryValue(db, "SELECT v FROM t WHERE id = 3"));
        }
    }

    /** A slot invalidated while Ferry was down (wal_status = lost) lost changes: start over, never a gap. */
    @Test
    void anInvalidatedSlotSaysTheRunMustStartOver() throws Exception {
        String db = "lostslot";
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a');"
                + "CREATE TABLE churn (v text)");
        try (RunningFerry ferry = start(db, "--tables", "t")) {
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, CATCH_UP);
            ferry.kill();
        }
        servers.source().execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'; SELECT pg_reload_conf()");
        try {
            servers.source().execute(db, "UPDATE t SET v = 'changed while ferry was down'");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!"lost".equals(servers.source().queryValue(db, "SELECT wal_status FROM pg_replication_slots "
                    + "WHERE slot_name = 'slot_" + db + "'"))) {
                assertTrue(System.nanoTime() < deadline, "the slot was never invalidated");
                servers.source().execute(db, "INSERT INTO churn SELECT repeat('x', 1000) FROM generate_series(1, 2000); "
                        + "SELECT pg_switch_wal(); CHECKPOINT");
            }
            FerryRun r = FerryRun.run("stream", "--source", servers.source().uri(db), "--target",
                    servers.target().uri(db));
            assertEquals(2, r.exit(), r.all());
            assertTrue(r.err().contains("was invalidated on the source (wal_status = lost")
                    && r.err().contains("the run must start over"), r.all());
        } finally {
            servers.source().execute("ALTER SYSTEM RESET max_slot_wal_keep_size; SELECT pg_reload_conf()");
        }
    }

    /** A change the target refuses (a constraint only the target has) stops the stream naming table and row. */
    @Test
    void aConstraintViolationOnTheTargetNamesTheTableAndTheKey() throws Exception {
        String db = "refused";
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE t (id int PRIMARY KEY, code text); INSERT INTO t VALUES (1, 'a')");
        try (RunningFerry ferry = start(db)) {
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, CATCH_UP);
            servers.target().execute(db, "CREATE UNIQUE INDEX t_code ON t (code)");
            servers.source().execute(db, "INSERT INTO t VALUES (2, 'b'), (3, 'dup'), (4, 'dup')");
            ferry.await("ferry to stop", Duration.ofSeconds(60), () -> !ferry.alive(), true);
            String out = ferry.output();
            assertTrue(out.contains("the target refused a change of public.t")
                    && out.contains("Key (code)=(dup) already exists")
                    && out.contains("the position is kept"), out);
            assertEquals("1", servers.target().queryValue(db, "SELECT count(*) FROM t"),
                    "nothing of the refused transaction is on the target");
        }
    }
}
