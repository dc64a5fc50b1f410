package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry verify} beside a running {@code ferry start} while an application writes to the source: no false
 * alarm from changes in flight, a real difference on the target named, and equal once the writes stop.
 */
class VerifyWhileStreamingIT {
    static final int ROWS = 20_000;
    /** Rows the writer never touches: the test changes them on the target behind the stream's back. */
    static final int CONTROL = 100;
    static final Duration CATCH_UP = Duration.ofSeconds(90);

    private static ServerPair pair;

    @TempDir
    Path tmp;

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

    @Test
    void verifyIsEqualUnderLiveStreamingAndNamesARealDifference() throws Exception {
        String db = "live";
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, "CREATE TABLE acct (id int PRIMARY KEY, balance bigint NOT NULL, note text, at timestamptz);"
                + "INSERT INTO acct SELECT g, g * 10, 'n' || g, now() FROM generate_series(1, " + ROWS + ") g;"
                + "CREATE TABLE events (body text, n int);"
                + "ALTER TABLE events REPLICA IDENTITY FULL;"
                + "INSERT INTO events SELECT 'e' || (g % 50), g % 7 FROM generate_series(1, 2000) g;");
        String source = pair.source().uri(db);
        String target = pair.target().uri(db);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> write(db, stop, written, failure), "test-writer");
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", source,
                "--target", target)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            writer.start();
            ferry.await("some writes", CATCH_UP, () -> written.get() > 200 || failure.get() != null);

            for (int round = 0; round < 2; round++) {
                long before = written.get();
                FerryRun r = FerryRun.run("verify", "--source", source, "--target", target, "--jobs", "2");
                assertEquals(0, r.exit(), () -> "a false alarm under live streaming: " + r.all() + "\n" + ferry.output());
                assertTrue(written.get() > before, "the application kept writing during verify");
            }

            pair.target().execute(db, "UPDATE acct SET note = 'tampered' WHERE id = 7");
            FerryRun tampered = FerryRun.run("verify", "--source", source, "--target", target, "--jobs", "2");
            assertEquals(1, tampered.exit(), tampered::all);
            assertTrue(tampered.out().contains("public.acct: DIFFERENT, 1 row differs"), tampered::all);
            assertTrue(tampered.out().contains("  different: id=7\n"), tampered::all);
            assertTrue(tampered.out().contains("public.events: equal"), tampered::all);

            pair.target().execute(db, "UPDATE acct SET note = 'n7' WHERE id = 7");
            stop.set(true);
            writer.join(10_000);
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            FerryRun idle = FerryRun.run("verify", "--source", source, "--target", target);
            assertEquals(0, idle.exit(), idle::all);
        } finally {
            stop.set(true);
            writer.join(10_000);
        }
        if (failure.get() != null) {
            throw new AssertionError("the test's writer failed", failure.get());
        }
    }

    /** An application: updates, inserts and deletes on the keyed table, inserts on the keyless one. */
    private static void write(String db, AtomicBoolean stop, AtomicLong written, AtomicReference<Throwable> failure) {
        try (Connection c = pair.source().connect(db);
             PreparedStatement update = c.prepareStatement(
                     "UPDATE acct SET balance = balance + 1, note = 'w' || balance, at = now() WHERE id = ?");
             PreparedStatement insert = c.prepareStatement("INSERT INTO acct VALUES (?, 1, 'new', now()) ON CONFLICT DO NOTHING");
             PreparedStatement delete = c.prepareStatement("DELETE FROM acct WHERE id = ?");
             PreparedStatement event = c.prepareStatement("INSERT INTO events VALUES ('live', ?)")) {
            while (!stop.get()) {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                int kind = rnd.nextInt(10);
                PreparedStatement ps = kind < 7 ? update : kind == 7 ? insert : kind == 8 ? delete : event;
                ps.setInt(1, kind < 7 ? CONTROL + 1 + rnd.nextInt(ROWS - CONTROL) : kind == 9 ? rnd.nextInt(9)
                        : ROWS + 1 + rnd.nextInt(1000));
                ps.executeUpdate();
                written.incrementAndGet();
                Thread.sleep(4); // an application's pace, a couple of hundred writes a second
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }
}
