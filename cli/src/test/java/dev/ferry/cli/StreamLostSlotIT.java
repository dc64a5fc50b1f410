package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slot the source invalidated (max_slot_wal_keep_size exceeded while Ferry was down: wal_status = lost) has
 * lost changes: the stream must refuse with the sentence that the run starts over, never continue over a gap.
 */
class StreamLostSlotIT {
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

    @Test
    void anInvalidatedSlotSaysTheRunMustStartOver() throws Exception {
        String db = "lostslot";
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a');"
                + "CREATE TABLE churn (v text)");
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source",
                pair.source().uri(db), "--target", pair.target().uri(db), "--tables", "t")) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
            ferry.kill();
        }
        String slot = pair.target().queryValue(db, "SELECT slot FROM ferry.run");
        pair.source().execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'; SELECT pg_reload_conf()");
        try {
            pair.source().execute(db, "UPDATE t SET v = 'changed while ferry was down'");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!"lost".equals(pair.source().queryValue(db, "SELECT wal_status FROM pg_replication_slots "
                    + "WHERE slot_name = '" + slot + "'"))) {
                assertTrue(System.nanoTime() < deadline, "the slot was never invalidated");
                pair.source().execute(db, "INSERT INTO churn SELECT repeat('x', 1000) FROM generate_series(1, 2000); "
                        + "SELECT pg_switch_wal(); CHECKPOINT");
            }
            FerryRun r = FerryRun.run("stream", "--source", pair.source().uri(db), "--target", pair.target().uri(db));
            assertEquals(2, r.exit(), r.all());
            assertTrue(r.err().contains("was invalidated on the source (wal_status = lost")
                    && r.err().contains("the run must start over"), r.all());
        } finally {
            pair.source().execute("ALTER SYSTEM RESET max_slot_wal_keep_size; SELECT pg_reload_conf()");
        }
    }
}
