package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
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
        servers.source().execute(db, ReadingsWriter.SCHEMA);
        try (ReadingsWriter writer = new ReadingsWriter(servers.source(), db);
             RunningFerry ferry = RunningFerry.start(tmp.resolve(db + ".log"), "start", "--source",
                servers.source().uri(db), "--target", servers.target().uri(db), "--slot", "slot_" + db,
                "--publication", "pub_" + db)) {
            Duration catchUp = Duration.ofSeconds(120);
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            int at = writer.rounds();
            ferry.await("writes to go on while streaming", Duration.ofSeconds(30), () -> writer.rounds() > at + 200,
                    false);
            assertEquals("", writer.finish(), "the writer failed");
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            for (String leaf : ReadingsWriter.LEAVES) {
                String q = "SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM " + leaf + " t";
                assertEquals(servers.source().queryValue(db, q), servers.target().queryValue(db, q),
                        leaf + " differs\n" + ferry.output());
            }
            FerryRun verify = FerryRun.run("verify", "--source", servers.source().uri(db), "--target",
                    servers.target().uri(db));
            assertEquals(0, verify.exit(), verify.all());
            assertTrue(writer.rounds() > 200, "the writer wrote " + writer.rounds() + " rounds");
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
