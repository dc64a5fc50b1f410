package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partitioned table between two servers, written all along: rows inserted into every partition (the default
 * one too), updated within a partition, moved across partitions by a key change (the source decodes it as a
 * delete from one leaf and an insert into another), and deleted, during the snapshot and while streaming. The
 * target ends equal, leaf by leaf, and verify agrees.
 */
class StreamPartitionsIT extends SnapshotServers {
    @TempDir
    Path tmp;

    @Test
    void aPartitionedTableWrittenInEveryPartitionAndAcrossThemEndsEqualLeafByLeaf() throws Exception {
        String db = "parts";
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE readings (id int PRIMARY KEY, sensor text NOT NULL, v numeric) "
                + "PARTITION BY RANGE (id);"
                + "CREATE TABLE readings_low PARTITION OF readings FOR VALUES FROM (0) TO (10000);"
                + "CREATE TABLE readings_high PARTITION OF readings FOR VALUES FROM (10000) TO (20000);"
                + "CREATE TABLE readings_rest PARTITION OF readings DEFAULT;"
                + "INSERT INTO readings SELECT g, 's' || g % 7, g / 3.0 FROM generate_series(1, 25000, 2) g");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        StringBuffer failure = new StringBuffer();
        Thread writer = new Thread(() -> {
            try (Connection c = servers.source().connect(db);
                 Statement s = c.createStatement()) {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while (!stop.get()) {
                    int id = 2 * r.nextInt(14_000);
                    // Even ids are free at first: inserts land in every partition, the default one too.
                    s.execute("INSERT INTO readings VALUES (" + id + ", 'w', 1) ON CONFLICT (id) DO UPDATE SET v = "
                            + "readings.v + 1");
                    s.execute("UPDATE readings SET v = v * 2 WHERE id = " + (1 + 2 * r.nextInt(12_500)));
                    // Moves a row to another partition (and back, some other time), unless the key is taken.
                    int from = 1 + 2 * r.nextInt(12_500);
                    int to = from < 10_000 ? from + 10_000 : from - 10_000;
                    s.execute("UPDATE readings SET id = " + to + " WHERE id = " + from
                            + " AND NOT EXISTS (SELECT 1 FROM readings WHERE id = " + to + ")");
                    s.execute("DELETE FROM readings WHERE id = " + (1 + 2 * r.nextInt(12_500)));
                    done.incrementAndGet();
                    Thread.sleep(2);
                }
            } catch (SQLException | InterruptedException e) {
                failure.append(e);
            }
        });
        writer.start();
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve(db + ".log"), "start", "--source",
                servers.source().uri(db), "--target", servers.target().uri(db), "--slot", "slot_" + db,
                "--publication", "pub_" + db)) {
            Duration catchUp = Duration.ofSeconds(120);
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            int at = done.get();
            ferry.await("writes to go on while streaming", Duration.ofSeconds(30), () -> done.get() > at + 200, false);
            stop.set(true);
            writer.join(10_000);
            assertEquals("", failure.toString(), "the writer failed");
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            for (String leaf : new String[] {"readings_low", "readings_high", "readings_rest"}) {
                String q = "SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM " + leaf + " t";
                assertEquals(servers.source().queryValue(db, q), servers.target().queryValue(db, q),
                        leaf + " differs\n" + ferry.output());
            }
            FerryRun verify = FerryRun.run("verify", "--source", servers.source().uri(db), "--target",
                    servers.target().uri(db));
            assertEquals(0, verify.exit(), verify.all());
            assertTrue(done.get() > 200, "the writer wrote " + done.get() + " rounds");
            FerryRun sw = FerryRun.run("switch", "--source", servers.source().uri(db), "--target",
                    servers.target().uri(db), "--fence", "lock");
            assertEquals(0, sw.exit(), sw.all());
            // The publication lists the leaves, and a statement through the root fires only the root's statement
            // triggers: the protection must be on the root too.
            for (String table : new String[] {"readings", "readings_low", "readings_rest"}) {
                String error = null;
                try (Connection c = servers.source().connect(db); Statement s = c.createStatement()) {
                    s.execute("INSERT INTO " + table + " VALUES (" + (table.equals("readings_low") ? 2 : 30_000)
                            + " + 2 * (SELECT count(*) FROM readings), 'late', 1)");
                } catch (SQLException e) {
                    error = e.getMessage();
                }
                assertTrue(error != null && error.contains("has moved to another server"),
                        "a write to " + table + " after the switch got: " + error);
            }
        }
    }
}
