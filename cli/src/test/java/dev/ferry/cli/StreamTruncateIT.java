package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source TRUNCATE of several tables, linked by a foreign key, is applied as one statement with the source's
 * options: RESTART IDENTITY restarts the target's identity, CASCADE empties the referencing table.
 */
class StreamTruncateIT extends SnapshotServers {
    @TempDir
    Path tmp;

    @Test
    void aParentAndItsChildTruncatedTogetherOnTheSourceAreTruncatedTogetherOnTheTarget() throws Exception {
        String db = "trunc";
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE parent (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text);"
                + "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id));"
                + "INSERT INTO parent (v) SELECT 'p' || g FROM generate_series(1, 10) g;"
                + "INSERT INTO child SELECT g, g FROM generate_series(1, 10) g");
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve(db + ".log"), "start", "--source",
                servers.source().uri(db), "--target", servers.target().uri(db), "--slot", "slot_" + db,
                "--publication", "pub_" + db)) {
            Duration catchUp = Duration.ofSeconds(120);
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            servers.source().execute(db, "TRUNCATE parent, child RESTART IDENTITY;"
                    + "INSERT INTO parent (v) VALUES ('after'); INSERT INTO child VALUES (1, 1)");
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            assertSame(db, ferry);
            // RESTART IDENTITY reached the target: its identity starts again (the snapshot had set it to 10).
            assertEquals("[[1 false]]", String.valueOf(servers.target().query(db,
                    "SELECT last_value || ' ' || is_called FROM parent_id_seq")),
                    ferry.output());

            servers.source().execute(db, "INSERT INTO parent (v) SELECT 'q' || g FROM generate_series(1, 5) g;"
                    + "INSERT INTO child SELECT g, g FROM generate_series(2, 6) g;"
                    + "TRUNCATE parent CASCADE; INSERT INTO parent (v) VALUES ('cascaded')");
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            assertSame(db, ferry);
            assertEquals("[[0]]", String.valueOf(servers.target().query(db, "SELECT count(*) FROM child")), ferry.output());
        }
    }

    private void assertSame(String db, RunningFerry ferry) throws Exception {
        for (String q : new String[] {"SELECT p::text FROM parent p ORDER BY id", "SELECT c::text FROM child c ORDER BY id"}) {
            assertEquals(servers.source().query(db, q), servers.target().query(db, q), ferry.output());
        }
    }
}
