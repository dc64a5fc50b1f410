package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        servers.source().execute(db, ReadingsWriter.SCHEMA);
        Path config = tmp.resolve("ferry.yml");
        Files.writeString(config, "transforms:\n"
                + "  - type: change-type\n    table: public.readings\n    column: id\n    to: bigint\n"
                + "  - type: rename-column\n    table: public.readings\n    column: sensor\n    to: probe\n");
        try (ReadingsWriter writer = new ReadingsWriter(servers.source(), db);
             RunningFerry ferry = RunningFerry.start(tmp.resolve(db + ".log"), "start", "--config", config.toString(),
                "--source", servers.source().uri(db), "--target", servers.target().uri(db), "--slot", "slot_" + db,
                "--publication", "pub_" + db)) {
            Duration catchUp = Duration.ofSeconds(120);
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            int at = writer.rounds();
            ferry.await("writes to go on while streaming", Duration.ofSeconds(30), () -> writer.rounds() > at + 200,
                    false);
            assertEquals("", writer.finish(), "the writer failed");
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            for (String leaf : ReadingsWriter.LEAVES) {
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
            assertTrue(writer.rounds() > 200, "the writer wrote " + writer.rounds() + " rounds");
        }
    }
}
