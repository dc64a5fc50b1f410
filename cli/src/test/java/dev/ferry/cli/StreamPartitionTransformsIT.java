package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
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
 * Transforms configured for a partitioned table reach every partition's rows between two servers: the publication
 * publishes leaf names, so a rename-column and a change-type of the parent must be applied to each leaf's rows, in
 * the snapshot and the stream, while rows are inserted into every partition (the default one too), updated and moved
 * across partitions. Each target leaf ends reshaped and equal to its source leaf read through the transforms, and
 * verify (which reads through them too) agrees.
 */
class StreamPartitionTransformsIT extends SnapshotServers {
    @TempDir
    Path tmp;

    @Test
    void aTransformOfThePartitionedParentReshapesEveryPartitionsRows() throws Exception {
        String db = "partx";
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE readings (id int PRIMARY KEY, sensor text NOT NULL, v numeric) "
                + "PARTITION BY RANGE (id);"
                + "CREATE TABLE readings_low PARTITION OF readings FOR VALUES FROM (0) TO (10000);"
                + "CREATE TABLE readings_high PARTITION OF readings FOR VALUES FROM (10000) TO (20000);"
                + "CREATE TABLE readings_rest PARTITION OF readings DEFAULT;"
                + "INSERT INTO readings SELECT g, 's' || g % 7, g / 3.0 FROM generate_series(1, 25000, 2) g");
        Path config = tmp.resolve("ferry.yml");
        Files.writeString(config, "transforms:\n"
                + "  - type: change-type\n    table: public.readings\n    column: id\n    to: bigint\n"
                + "  - type: rename-column\n    table: public.readings\n    column: sensor\n    to: probe\n");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        StringBuffer failure = new StringBuffer();
        Thread writer = new Thread(() -> {
            try (Connection c = servers.source().connect(db);
                 Statement s = c.createStatement()) {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while (!stop.get()) {
                    int id = 2 * r.nextInt(14_000);
                    s.execute("INSERT INTO readings VALUES (" + id + ", 'w" + id + "', 1) ON CONFLICT (id) DO UPDATE "
                            + "SET v = readings.v + 1, sensor = readings.sensor || 'u'");
                    s.execute("UPDATE readings SET v = v * 2, sensor = 'x' WHERE id = " + (1 + 2 * r.nextInt(12_500)));
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
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve(db + ".log"), "start", "--config", config.toString(),
                "--source", servers.source().uri(db), "--target", servers.target().uri(db), "--slot", "slot_" + db,
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
                assertEquals("bigint probe", servers.target().queryValue(db, "SELECT string_agg(x, ' ' ORDER BY x) "
                        + "FROM (SELECT format_type(atttypid, atttypmod) x FROM pg_attribute WHERE attrelid = '"
                        + leaf + "'::regclass AND attname = 'id' UNION ALL SELECT attname::text FROM pg_attribute "
                        + "WHERE attrelid = '" + leaf + "'::regclass AND attname IN ('probe', 'sensor')) a"), leaf);
                String src = "SELECT count(*) || ' ' || md5(string_agg(id || '|' || sensor || '|' || v, ',' ORDER BY id)) "
                        + "FROM " + leaf;
                String tgt = "SELECT count(*) || ' ' || md5(string_agg(id || '|' || probe || '|' || v, ',' ORDER BY id)) "
                        + "FROM " + leaf;
                assertEquals(servers.source().queryValue(db, src), servers.target().queryValue(db, tgt),
                        leaf + " differs\n" + ferry.output());
            }
            assertTrue(Long.parseLong(servers.target().queryValue(db, "SELECT count(*) FROM readings_rest")) > 0,
                    "the default partition holds rows");
            FerryRun verify = FerryRun.run("verify", "--config", config.toString(), "--source",
                    servers.source().uri(db), "--target", servers.target().uri(db));
            assertEquals(0, verify.exit(), verify.all());
            assertTrue(done.get() > 200, "the writer wrote " + done.get() + " rounds");
        }
    }
}
