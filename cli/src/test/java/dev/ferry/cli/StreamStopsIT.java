package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure that would happen again on every retry stops the stream within seconds, with one sentence and a
 * non-zero exit status, never as a "connection lost" retry loop; {@code ferry status} tells why; after the fix
 * the same command resumes from the kept position and the target converges.
 */
class StreamStopsIT extends SnapshotServers {
    private static final Duration CATCH_UP = Duration.ofSeconds(120);
    private static final String SECRET = "4111-secret-card";

    @TempDir
    Path tmp;

    private RunningFerry start(String db) throws Exception {
        return RunningFerry.start(tmp.resolve(db + ".log"), "start", "--source", servers.source().uri(db), "--target",
                servers.target().uri(db), "--slot", "slot_" + db, "--publication", "pub_" + db);
    }

    @Test
    void aChangeTheTargetRefusesStopsAtOnceNamingTableAndKeyButNoValuesThenResumesAfterTheFix() throws Exception {
        String db = "refuses";
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE payments (id int PRIMARY KEY, card text, amount int);"
                + "INSERT INTO payments VALUES (1, 'x', 10)");
        try (RunningFerry ferry = start(db)) {
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, CATCH_UP);
            servers.target().execute(db, "ALTER TABLE payments ADD CONSTRAINT small CHECK (amount < 100)");
            long t0 = System.nanoTime();
            servers.source().execute(db, "INSERT INTO payments VALUES (2, '" + SECRET + "', 98765)");
            ferry.await("ferry to stop", Duration.ofSeconds(60), () -> !ferry.alive(), true);
            double seconds = (System.nanoTime() - t0) / 1e9;
            String out = ferry.output();
            assertNotEquals(0, ferry.exitValue(), out);
            assertTrue(seconds < 20, "stopped after " + seconds + " s: " + out);
            assertTrue(out.contains("the target refused a change of public.payments (id=2)")
                    && out.contains("violates check constraint \"small\"") && out.contains("at source position"), out);
            assertFalse(out.contains(SECRET) || out.contains("98765") || out.contains("Failing row"), out);
            assertFalse(out.contains("connection lost") || out.contains("\tat "), out);

            FerryRun status = FerryRun.run("status", "--target", servers.target().uri(db));
            assertTrue(status.out().contains("stopped") && status.out().contains("violates check constraint \"small\""),
                    status.all());

            servers.target().execute(db, "ALTER TABLE payments DROP CONSTRAINT small");
            servers.source().execute(db, "INSERT INTO payments VALUES (3, 'y', 7)");
            ferry.restart();
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, CATCH_UP);
            String q = "SELECT p::text FROM payments p ORDER BY id";
            assertEquals(servers.source().query(db, q), servers.target().query(db, q), ferry.output());
            FerryRun after = FerryRun.run("status", "--target", servers.target().uri(db));
            assertFalse(after.out().contains("stopped "), after.all());
        }
    }

    /** Debezium's own refusal (here: a column added on the source whose name differs from another only by case). */
    @Test
    void aChangeDebeziumCannotReadStopsAtOnceInsteadOfReconnecting() throws Exception {
        String db = "unreadable";
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE people (id int PRIMARY KEY, name text)");
        try (RunningFerry ferry = start(db)) {
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, CATCH_UP);
            long t0 = System.nanoTime();
            servers.source().execute(db, "ALTER TABLE people ADD COLUMN \"NAME\" text; INSERT INTO people VALUES (1, 'a', 'b')");
            ferry.await("ferry to stop", Duration.ofSeconds(60), () -> !ferry.alive(), true);
            double seconds = (System.nanoTime() - t0) / 1e9;
            String out = ferry.output();
            assertNotEquals(0, ferry.exitValue(), out);
            assertTrue(seconds < 20, "stopped after " + seconds + " s: " + out);
            assertTrue(out.contains("the stream stopped at source position") && out.contains("differ only by case"), out);
            assertFalse(out.contains("connection lost") || out.contains("\tat "), out);
        }
    }
}
