package dev.ferry.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.FerryException;
import dev.ferry.embedded.ServerPair;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lock fence against real autovacuum workers, made slow enough to be in the way (a cost limit of 1 with the
 * longest cost delay): an ordinary one is cancelled and the fence taken, an anti-wraparound one is named and left
 * alone. {@code deadlock_timeout} is raised far above the fence's wait, so autovacuum's own giving way (after
 * {@code deadlock_timeout}) cannot be what lets the fence through. Writes go on to another table meanwhile.
 */
class LockFenceBlockersIT {
    static ServerPair pair;
    static final String DB = "vac";

    @BeforeAll
    static void servers() {
        pair = ServerPair.start();
        pair.source().execute("CREATE DATABASE " + DB);
        pair.source().execute("ALTER SYSTEM SET autovacuum_naptime = '1s'");
        pair.source().execute("ALTER SYSTEM SET deadlock_timeout = '30s'");
        pair.source().execute("SELECT pg_reload_conf()");
        pair.source().execute(DB, "CREATE TABLE busy (id bigserial PRIMARY KEY, v text)");
    }

    @AfterAll
    static void stop() {
        pair.close();
    }

    /** A table autovacuum will take a long time over; {@code wraparound}: one whose vacuum is anti-wraparound. */
    private static void slowlyVacuumed(String table, boolean wraparound) {
        pair.source().execute(DB, "CREATE TABLE " + table + " (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false, "
                + "autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1, autovacuum_vacuum_threshold = 0, "
                + "autovacuum_vacuum_scale_factor = 0);"
                + "INSERT INTO " + table + " SELECT g, md5(g::text) FROM generate_series(1, 20000) g;"
                + "UPDATE " + table + " SET v = v || 'x'");
        if (wraparound) {
            // Past the table's own freeze age, autovacuum vacuums it to prevent wraparound, enabled or not.
            pair.source().execute(DB, "CREATE PROCEDURE burn(n int) LANGUAGE plpgsql AS $$ BEGIN FOR i IN 1..n LOOP "
                    + "PERFORM txid_current(); COMMIT; END LOOP; END $$");
            pair.source().execute(DB, "ALTER TABLE " + table + " SET (autovacuum_freeze_max_age = 100000)");
            pair.source().execute(DB, "CALL burn(101000)");
        } else {
            pair.source().execute(DB, "ALTER TABLE " + table + " SET (autovacuum_enabled = true)");
        }
    }

    /** Waits for autovacuum to hold its lock on the table; returns the worker's pid. */
    private static int awaitAutovacuum(String table) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            String pid = pair.source().queryValue(DB, "SELECT coalesce(min(a.pid), 0) FROM pg_stat_activity a JOIN pg_locks l "
                    + "ON l.pid = a.pid AND l.granted AND l.relation = '" + table + "'::regclass "
                    + "WHERE a.backend_type = 'autovacuum worker'");
            if (!pid.equals("0")) {
                return Integer.parseInt(pid);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("autovacuum never started on " + table);
    }

    private static LockFence fence(String table) {
        TableId t = new TableId("public", table);
        return new LockFence(ConnectionSpec.parse(pair.source().uri(DB)), List.of(t), List.of(t));
    }

    /** Writes to another table while the fence is tried, as an application would. */
    private static Thread writer(AtomicBoolean stop, AtomicInteger written) {
        Thread w = new Thread(() -> {
            try (Connection c = pair.source().connect(DB); Statement s = c.createStatement()) {
                while (!stop.get()) {
                    s.execute("INSERT INTO busy (v) VALUES ('w')");
                    written.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                written.set(Integer.MIN_VALUE);
            }
        });
        w.start();
        return w;
    }

    @Test
    void anOrdinaryAutovacuumInTheWayIsCancelledAndTheFenceTaken() throws Exception {
        slowlyVacuumed("plain", false);
        int pid = awaitAutovacuum("plain");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        Thread w = writer(stop, written);
        LockFence f = fence("plain");
        long t0 = System.nanoTime();
        f.hold(Duration.ofSeconds(10));
        long tookMillis = (System.nanoTime() - t0) / 1_000_000;
        try {
            assertEquals("0", pair.source().queryValue(DB, "SELECT count(*) FROM pg_locks l WHERE l.pid = " + pid
                    + " AND l.relation = 'plain'::regclass AND l.granted"), "the autovacuum no longer holds the table");
            assertTrue(tookMillis < 10_000, "taken well before deadlock_timeout (30 s) would have made autovacuum give "
                    + "way: " + tookMillis + " ms");
        } finally {
            f.release();
            stop.set(true);
            w.join(5_000);
        }
        assertTrue(written.get() > 0, "the other table's writer went on: " + written.get());
    }

    @Test
    void anAntiWraparoundAutovacuumIsNamedAndNeverCancelled() throws Exception {
        slowlyVacuumed("old", true);
        int pid = awaitAutovacuum("old");
        assertEquals("t", pair.source().queryValue(DB, "SELECT query LIKE '%to prevent wraparound%' FROM pg_stat_activity "
                + "WHERE pid = " + pid), "the worker is an anti-wraparound one");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        Thread w = writer(stop, written);
        try {
            FerryException e = assertThrows(FerryException.class, () -> fence("old").hold(Duration.ofSeconds(3)));
            assertTrue(e.getMessage().contains("pid " + pid + " (anti-wraparound autovacuum, transaction ")
                    && e.getMessage().contains("query started ") && e.getMessage().contains("never cancelled"),
                    e.getMessage());
            assertEquals("t", pair.source().queryValue(DB, "SELECT count(*) > 0 FROM pg_locks WHERE pid = " + pid
                    + " AND relation = 'old'::regclass AND granted"), "the anti-wraparound vacuum still runs");
        } finally {
            stop.set(true);
            w.join(5_000);
        }
        assertTrue(written.get() > 0, "the other table's writer went on: " + written.get());
    }
}
