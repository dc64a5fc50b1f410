package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quiet database: the migrated tables are idle while the rest of the source server writes WAL. The slot must
 * still move on (heartbeats), or the source retains WAL without bound; and changes after the quiet time still
 * arrive.
 */
class StreamQuietIT {
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
    void theSlotMovesOnWhileTheMigratedTablesAreIdle() throws Exception {
        String db = "quiet";
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' FROM "
                + "generate_series(1, 10) g; CREATE TABLE unpublished_later (id int)");
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source",
                pair.source().uri(db), "--target", pair.target().uri(db), "--tables", "t", "--heartbeat", "1")) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
            // WAL from elsewhere on the server: another database, and a table of this one that is not migrated.
            pair.source().execute("CREATE DATABASE busy");
            pair.source().execute("busy", "CREATE TABLE x AS SELECT g FROM generate_series(1, 200000) g");
            pair.source().execute(db, "INSERT INTO unpublished_later SELECT generate_series(1, 100000)");
            String walEnd = pair.source().queryValue(db, "SELECT pg_current_wal_lsn()::text");
            ferry.await("the slot to move past " + walEnd + " with the migrated table idle",
                    Duration.ofSeconds(60), () -> "t".equals(pair.source().queryValue(db,
                            "SELECT confirmed_flush_lsn >= '" + walEnd + "'::pg_lsn FROM pg_replication_slots "
                                    + "WHERE slot_name = 'ferry_slot'")));
            pair.source().execute(db, "UPDATE t SET v = 'after the quiet time' WHERE id = 3");
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(60));
            assertEquals("after the quiet time", pair.target().queryValue(db, "SELECT v FROM t WHERE id = 3"));
        }
    }
}
