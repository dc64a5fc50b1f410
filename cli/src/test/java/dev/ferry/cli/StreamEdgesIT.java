package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What needs a person stops the stream with one sentence; what does not (a server gone a while) heals itself. */
class StreamEdgesIT extends WithServers {
    static final Duration CATCH_UP = Duration.ofSeconds(90);

    private static void database(String db) {
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, "CREATE TABLE items (id serial PRIMARY KEY, name text);"
                + "INSERT INTO items (name) SELECT 'i' || g FROM generate_series(1, 1000) g");
    }

    private static void assertSame(String db) {
        String sql = "SELECT t::text FROM items t ORDER BY id";
        assertEquals(pair.source().query(db, sql), pair.target().query(db, sql));
    }

    private RunningFerry start(String db, String... extra) throws Exception {
        String[] args = new String[] {"start", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                "--slot", "slot_" + db};
        return RunningFerry.start(tmp.resolve(db + ".log"), args);
    }

    @Test
    void aColumnAddedOnTheSourceStopsTheStreamWithTheFixAndLosesNothing() throws Exception {
        String db = "ddl";
        database(db);
        try (RunningFerry ferry = start(db)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            pair.source().execute(db, "INSERT INTO items (name) VALUES ('before the change');"
                    + "ALTER TABLE items ADD COLUMN price numeric;"
                    + "INSERT INTO items (name, price) VALUES ('after the change', 9.99)");
            ferry.await("ferry to stop", CATCH_UP, () -> !ferry.alive(), true);
            String out = ferry.output();
            assertTrue(out.contains("table public.items changed on the source while streaming (column \"price\" appeared); "
                    + "apply the same change to the target table, then run the same command again"), out);
            pair.target().execute(db, "ALTER TABLE items ADD COLUMN price numeric");
            ferry.restart();
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            assertSame(db);
        }
    }

    @Test
    void theTargetGoneForAWhileIsWaitedForAndNothingIsLost() throws Exception {
        String db = "outage";
        database(db);
        try (RunningFerry ferry = start(db)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            pair.target().stop();
            pair.source().execute(db, "INSERT INTO items (name) SELECT 'during outage' FROM generate_series(1, 300);"
                    + "UPDATE items SET name = 'changed' WHERE id % 3 = 0; DELETE FROM items WHERE id % 10 = 0");
            Thread.sleep(4000);
            pair.target().restart();
            pair.source().execute(db, "INSERT INTO items (name) VALUES ('after outage')");
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            assertSame(db);
            assertTrue(ferry.output().contains("reconnecting"), ferry.output());
        }
    }

    @Test
    void aMissingSlotSaysTheRunMustStartOver() throws Exception {
        String db = "noslot";
        database(db);
        try (RunningFerry ferry = start(db)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            ferry.kill();
        }
        // The walsender outlives the killed process by a moment (it sees the socket close on its next read).
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (pair.source().queryValue(db, "SELECT active FROM pg_replication_slots WHERE slot_name = 'slot_noslot'")
                .equals("t") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        pair.source().execute(db, "SELECT pg_drop_replication_slot('slot_noslot')");
        FerryRun r = FerryRun.run("stream", "--source", pair.source().uri(db), "--target", pair.target().uri(db));
        assertEquals(2, r.exit(), r.all());
        assertTrue(r.err().contains("replication slot \"slot_noslot\" no longer exists on the source")
                && r.err().contains("the run must start over"), r.all());
    }

    @Test
    void aSourceRestartIsReconnectedToAndNothingIsLost() throws Exception {
        String db = "restart";
        database(db);
        try (RunningFerry ferry = start(db)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            pair.source().execute(db, "INSERT INTO items (name) SELECT 'before restart' FROM generate_series(1, 100)");
            pair.source().restart();
            pair.source().execute(db, "INSERT INTO items (name) SELECT 'after restart' FROM generate_series(1, 100);"
                    + "DELETE FROM items WHERE id < 50");
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            assertSame(db);
        }
    }

    @Test
    void oneSourceTransactionOfManyRowsStreamsThroughASmallHeap() throws Exception {
        String db = "bigtx";
        database(db);
        try (RunningFerry ferry = RunningFerry.startWithHeap(tmp.resolve("bigtx.log"), "-Xmx96m", "start", "--source",
                pair.source().uri(db), "--target", pair.target().uri(db), "--slot", "slot_" + db)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            pair.source().execute(db, "INSERT INTO items (name) SELECT repeat('x', 200) || g FROM generate_series(1, 400000) g");
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofMinutes(4));
            assertEquals(pair.source().queryValue(db, "SELECT count(*) || ':' || sum(hashtext(name)::bigint) FROM items"),
                    pair.target().queryValue(db, "SELECT count(*) || ':' || sum(hashtext(name)::bigint) FROM items"));
        }
    }
}
