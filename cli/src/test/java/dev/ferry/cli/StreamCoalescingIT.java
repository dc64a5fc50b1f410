package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changes of many source transactions share a target transaction and are coalesced per key (written out of
 * order) where only the primary key relates rows; a table with another unique index keeps source order. Both
 * under concurrent writers mixing every change kind, with unchanged TOAST values in the same transactions.
 */
class StreamCoalescingIT {
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

    static void assertSame(String db, String table) {
        String sql = "SELECT t::text FROM " + table + " t ORDER BY id";
        List<List<String>> source = pair.source().query(db, sql);
        assertEquals(source, pair.target().query(db, sql), table + " rows");
    }

    @Test
    void coalescedAndOrderedTablesBothEndEqualUnderConcurrentWrites() throws Exception {
        String db = "coalesce";
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, """
                CREATE TABLE free (id int PRIMARY KEY, n int NOT NULL, big text);
                INSERT INTO free SELECT g, 0, CASE WHEN g % 50 = 0 THEN repeat(md5(g::text), 3000) END
                  FROM generate_series(1, 400) g;
                CREATE TABLE slots (id int PRIMARY KEY, code int NOT NULL UNIQUE, n int NOT NULL DEFAULT 0);
                INSERT INTO slots SELECT g, g FROM generate_series(1, 50) g;
                """);
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source",
                pair.source().uri(db), "--target", pair.target().uri(db))) {
            ferry.awaitPhase(pair.target(), db, "STREAMING", Duration.ofSeconds(90));
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
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
            assertSame(db, "free");
            assertSame(db, "slots");
        }
    }

    /** Random transactions: updates (TOAST left unchanged), delete + re-insert, key moves, unique-code swaps. */
    private static void write(String db, AtomicBoolean stop) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        try (Connection c = pair.source().connect(db); Statement s = c.createStatement()) {
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
                        s.execute("UPDATE slots SET code = (SELECT -code FROM slots WHERE id = " + x + ") WHERE id = "
                                + y + " RETURNING 1");
                        s.execute("UPDATE slots SET code = " + (1000 + r.nextInt(100000)) + " WHERE id = " + x);
                    }
                    c.commit();
                } catch (java.sql.SQLException e) {
                    c.rollback(); // a conflict between writers: try another transaction
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
