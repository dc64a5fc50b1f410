package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusIT {
    static final Duration CATCH_UP = Duration.ofSeconds(90);
    static ServerPair pair;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        pair = ServerPair.start();
    }

    @AfterAll
    static void stop() {
        pair.close();
    }

    private static String database(String db) {
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, "CREATE TABLE items (id serial PRIMARY KEY, name text);"
                + "INSERT INTO items (name) SELECT 'i' || g FROM generate_series(1, 5000) g");
        return db;
    }

    /** Writes to the source until closed: inserts and updates, one small transaction at a time. */
    private static final class Writes implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread;

        Writes(String db) {
            thread = new Thread(() -> {
                try {
                    for (int i = 0; !stop.get() && i < 20_000; i++) {
                        pair.source().execute(db, "INSERT INTO items (name) VALUES ('w" + i + "');"
                                + "UPDATE items SET name = name || '+' WHERE id = " + (1 + i % 5000));
                        Thread.sleep(5);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "writes");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join();
            assertEquals(null, failure.get(), "the writes failed");
        }
    }

    @Test
    void statusShowsAStreamingRunUnderWritesWithoutPasswordsAndCleanupLeavesNothingBehind() throws Exception {
        String db = database("watched");
        pair.target().requirePassword("ferry_admin", "s3cret-pw", true);
        String target = pair.target().uri("ferry_admin", "s3cret-pw", db);
        String source = pair.source().uri(db);
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", source,
                "--target", target, "--slot", "slot_" + db)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            try (Writes writes = new Writes(db)) {
                FerryRun text = FerryRun.run("status", "--target", target, "--source", source);
                assertEquals(0, text.exit(), text.all());
                assertTrue(text.out().contains("phase STREAMING"), text.all());
                assertTrue(text.out().contains("slot      \"slot_" + db + "\" active"), text.all());
                assertTrue(text.out().contains("a stream reads the slot"), text.all());
                assertTrue(text.out().contains("lag       "), text.all());
                assertTrue(text.out().matches("(?s).*public\\.items\\s+copied\\s+5,000.*"), text.all());
                assertFalse(text.all().contains("s3cret-pw"), "no password in status output");

                FerryRun json = FerryRun.run("status", "--json", "--target", target, "--source", source);
                assertEquals(0, json.exit(), json.all());
                JsonNode doc = new ObjectMapper().readTree(json.out());
                assertEquals("streaming", doc.get("phase").asText());
                assertTrue(doc.get("lag_bytes").asLong() >= 0, json.out());
                assertTrue(doc.get("lag_seconds").asDouble() >= 0, json.out());
                assertTrue(doc.get("changes_per_second").asDouble() > 0, "changes are applied while the source writes: "
                        + json.out());
                assertTrue(doc.get("changes_applied").asLong() > 0, json.out());
                assertEquals(5000, doc.get("tables").get(0).get("rows_copied").asLong(), json.out());
                assertEquals("copied", doc.get("tables").get(0).get("state").asText(), json.out());
                JsonNode slot = doc.get("slot_state");
                assertTrue(slot.get("active").asBoolean(), json.out());
                assertTrue(slot.get("retained_wal_bytes").asLong() >= 0, json.out());
                assertFalse(slot.get("restart_lsn").asText().isEmpty(), json.out());
                assertEquals(0, doc.get("dead_letters").asLong(), json.out());
                assertTrue(doc.get("switch").isNull(), json.out());
                assertFalse(json.all().contains("s3cret-pw"));

                // Without --source, the source the run recorded is read.
                FerryRun recorded = FerryRun.run("status", "--json", "--target", target);
                assertEquals(0, recorded.exit(), recorded.all());
                assertTrue(new ObjectMapper().readTree(recorded.out()).get("slot_state").get("active").asBoolean(),
                        recorded.all());

                // A source that cannot be read leaves the target's view, with the reason.
                FerryRun unreachable = FerryRun.run("status", "--target", target, "--source",
                        "postgresql://nobody:pw-not-shown@127.0.0.1:1/" + db);
                assertEquals(0, unreachable.exit(), unreachable.all());
                assertTrue(unreachable.out().contains("source    not read: "), unreachable.all());
                assertTrue(unreachable.out().contains("phase STREAMING"), unreachable.all());
                assertFalse(unreachable.all().contains("pw-not-shown"), unreachable.all());
            }

            FerryRun busy = FerryRun.run("cleanup", "--yes", "--source", source, "--target", target);
            assertEquals(2, busy.exit(), busy.all());
            assertTrue(busy.err().contains("still running"), busy.all());
        }
        FerryRun refused = FerryRun.run("cleanup", "--source", source, "--target", target);
        assertEquals(2, refused.exit(), refused.all());
        assertTrue(refused.err().contains("pass --yes"), refused.all());
        assertEquals("1", pair.source().queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE database = '"
                + db + "'"), "a refused cleanup drops nothing");

        FerryRun cleanup = FerryRun.run("cleanup", "--yes", "--source", source, "--target", target);
        assertEquals(0, cleanup.exit(), cleanup.all());
        assertFalse(cleanup.all().contains("s3cret-pw"));
        assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_"
                + db + "'"), "cleanup leaves no slot");
        assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_publication"));
        assertEquals("0", pair.target().queryValue(db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'ferry'"));
        FerryRun none = FerryRun.run("status", "--target", target);
        assertEquals(2, none.exit(), none.all());
        assertTrue(none.err().contains("there is no Ferry run"), none.all());
    }

    @Test
    void cleanupWithForceStopsARunningStreamAndDropsItsSlot() throws Exception {
        String db = database("forced");
        String source = pair.source().uri(db);
        String target = pair.target().uri(db);
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", source,
                "--target", target, "--slot", "slot_" + db)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            FerryRun cleanup = FerryRun.run("cleanup", "--yes", "--force", "--source", source, "--target", target);
            assertEquals(0, cleanup.exit(), cleanup.all());
            assertTrue(cleanup.out().contains("Dropped replication slot \"slot_" + db + "\""), cleanup.all());
        }
        assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_"
                + db + "'"));
        assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_publication"));
        assertEquals("0", pair.target().queryValue(db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'ferry'"));
    }

    @Test
    void statusCountsTheRowsOfATableCopiedWholeWhileItsOneChunkRuns() throws Exception {
        String db = database("whole");
        String source = pair.source().uri(db);
        String target = pair.target().uri(db);
        // The default chunk size copies the small table as one chunk, done only when all 5000 rows are in.
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "snapshot", "--source", source,
                "--target", target, "--slot", "slot_" + db, "--max-rate", "500rows")) {
            String seen = "";
            for (long until = System.nanoTime() + CATCH_UP.toNanos(); System.nanoTime() < until && ferry.alive(); ) {
                FerryRun st = FerryRun.run("status", "--target", target, "--source", source, "--json");
                if (st.exit() == 0) {
                    JsonNode t = new ObjectMapper().readTree(st.out()).path("tables").path(0);
                    seen = t.toString();
                    if (t.path("chunks_done").asLong() == 0 && t.path("rows_copied").asLong() > 0) {
                        break;
                    }
                }
                Thread.sleep(200);
            }
            JsonNode t = new ObjectMapper().readTree(seen);
            assertEquals(0, t.path("chunks_done").asLong(), seen + ferry.output());
            // Rows the open chunk has written already (its transaction waits on --max-rate before it commits).
            assertTrue(t.path("rows_copied").asLong() > 0, seen + ferry.output());
            for (long until = System.nanoTime() + CATCH_UP.toNanos(); ferry.alive() && System.nanoTime() < until; ) {
                Thread.sleep(100);
            }
            assertEquals(0, ferry.exitValue(), ferry.output());
        }
        pair.source().execute(db, "SELECT pg_drop_replication_slot('slot_" + db + "')");
    }

    @Test
    void statusShowsACopyUnderWayAndCleanupLeavesItAlone() throws Exception {
        String db = database("copying");
        String source = pair.source().uri(db);
        String target = pair.target().uri(db);
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", source,
                "--target", target, "--slot", "slot_" + db, "--max-rate", "400rows", "--chunk-size", "16kB")) {
            ferry.awaitPhase(pair.target(), db, "SNAPSHOT", CATCH_UP);
            FerryRun text = FerryRun.run("status", "--target", target, "--source", source);
            assertEquals(0, text.exit(), text.all());
            assertTrue(text.out().contains("phase SNAPSHOT"), text.all());
            assertTrue(text.out().contains("running   \"ferry snapshot\""), text.all());
            // The slot is idle while the copy runs, yet dropping it would ruin the run.
            FerryRun busy = FerryRun.run("cleanup", "--yes", "--source", source, "--target", target);
            assertEquals(2, busy.exit(), busy.all());
            assertTrue(busy.err().contains("a Ferry command is still running"), busy.all());
            assertEquals("1", pair.source().queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = "
                    + "'slot_" + db + "'"));
            assertTrue(ferry.alive(), ferry.output());
        }
        FerryRun cleanup = FerryRun.run("cleanup", "--yes", "--source", source, "--target", target);
        assertEquals(0, cleanup.exit(), cleanup.all());
        assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_"
                + db + "'"));
    }
}
