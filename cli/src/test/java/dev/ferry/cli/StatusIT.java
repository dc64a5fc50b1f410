package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusIT {

    @Test
    void statusShowsTheRunAndCleanupLeavesNothingBehind(@TempDir Path tmp) throws Exception {
        try (ServerPair pair = ServerPair.start()) {
            String db = "watched";
            pair.source().execute("CREATE DATABASE " + db);
            pair.target().execute("CREATE DATABASE " + db);
            pair.source().execute(db, "CREATE TABLE items (id serial PRIMARY KEY, name text);"
                    + "INSERT INTO items (name) SELECT 'i' || g FROM generate_series(1, 5000) g");
            pair.target().requirePassword("ferry_admin", "s3cret-pw", true);
            String target = pair.target().uri("ferry_admin", "s3cret-pw", db);
            String source = pair.source().uri(db);
            try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", source,
                    "--target", target)) {
                ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
                pair.source().execute(db, "INSERT INTO items (name) SELECT 'more' FROM generate_series(1, 100)");
                FerryRun text = FerryRun.run("status", "--target", target, "--source", source);
                assertEquals(0, text.exit(), text.all());
                assertTrue(text.out().contains("phase STREAMING"), text.all());
                assertTrue(text.out().contains("slot      \"ferry_slot\" active"), text.all());
                assertTrue(text.out().contains("public.items"), text.all());
                assertFalse(text.all().contains("s3cret-pw"), "no password in status output");
                FerryRun json = FerryRun.run("status", "--json", "--target", target, "--source", source);
                JsonNode doc = new ObjectMapper().readTree(json.out());
                assertEquals("streaming", doc.get("phase").asText());
                assertTrue(doc.get("lag_bytes").asLong() >= 0, json.out());
                assertEquals(5000, doc.get("tables").get(0).get("rows_copied").asLong(), json.out());
                assertTrue(doc.get("slot_state").get("active").asBoolean(), json.out());
                assertFalse(json.all().contains("s3cret-pw"));

                FerryRun refused = FerryRun.run("cleanup", "--source", source, "--target", target);
                assertEquals(2, refused.exit(), refused.all());
                assertTrue(refused.err().contains("pass --yes"), refused.all());
                FerryRun busy = FerryRun.run("cleanup", "--yes", "--source", source, "--target", target);
                assertEquals(2, busy.exit(), busy.all());
                assertTrue(busy.err().contains("a stream is still running"), busy.all());
            }
            FerryRun cleanup = FerryRun.run("cleanup", "--yes", "--source", source, "--target", target);
            assertEquals(0, cleanup.exit(), cleanup.all());
            assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_replication_slots"));
            assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_publication"));
            assertEquals("0", pair.target().queryValue(db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'ferry'"));
            FerryRun none = FerryRun.run("status", "--target", target);
            assertEquals(2, none.exit(), none.all());
            assertTrue(none.err().contains("there is no Ferry run"), none.all());
        }
    }
}
