package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayIT extends WithServers {

    @Test
    void theSnapshotPlusTheReplayedJournalReproduceTheTargetAndADryRunWritesNothing() throws Exception {
        String db = "journaled";
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, """
                CREATE TABLE accounts (id bigserial PRIMARY KEY, owner text NOT NULL, balance numeric, big text);
                INSERT INTO accounts (owner, balance, big) SELECT 'o' || g, g, CASE WHEN g = 3 THEN repeat(md5(g::text), 30000) END
                  FROM generate_series(1, 1000) g;
                CREATE TABLE log (a int, j json);
                ALTER TABLE log REPLICA IDENTITY FULL;
                INSERT INTO log VALUES (1, '{"x": 1}'), (2, '[]');
                """);
        String src = pair.source().uri(db);
        String tgt = pair.target().uri(db);
        FerryRun snap = FerryRun.run("snapshot", "--source", src, "--target", tgt, "--slot", "slot_" + db);
        assertEquals(0, snap.exit(), snap.all());
        pair.target().execute("CREATE DATABASE copy_of_snapshot TEMPLATE " + db);
        Path journal = tmp.resolve("journal");
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "stream", "--source", src, "--target", tgt,
                "--journal", journal.toString())) {
            pair.source().execute(db, """
                    INSERT INTO accounts (owner, balance) SELECT 'new' || g, g FROM generate_series(1, 200) g;
                    UPDATE accounts SET balance = -balance WHERE id % 5 = 0;
                    DELETE FROM accounts WHERE id % 9 = 0;
                    UPDATE accounts SET id = 50000 WHERE id = 3;
                    UPDATE log SET j = '{"y": 2}' WHERE a = 1;
                    DELETE FROM log WHERE a = 2;
                    """);
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
        }
        String before = pair.target().queryValue("copy_of_snapshot", "SELECT count(*) || '/' || sum(balance) FROM accounts");
        FerryRun dry = FerryRun.run("replay", journal.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.all());
        assertTrue(dry.out().contains("update   public.accounts key {id=3} -> "), dry.all());
        assertTrue(dry.out().contains("nothing was written"), dry.all());
        assertEquals(before, pair.target().queryValue("copy_of_snapshot", "SELECT count(*) || '/' || sum(balance) FROM accounts"));

        String copy = pair.target().uri("copy_of_snapshot");
        FerryRun replay = FerryRun.run("replay", journal.toString(), "--target", copy);
        assertEquals(0, replay.exit(), replay.all());
        for (String table : List.of("accounts", "log")) {
            String sql = "SELECT t::text FROM " + table + " t ORDER BY 1";
            assertEquals(pair.target().query(db, sql), pair.target().query("copy_of_snapshot", sql), table);
        }
        FerryRun verify = FerryRun.run("verify", "--source", src, "--target", copy);
        assertEquals(0, verify.exit(), verify.all());
        FerryRun again = FerryRun.run("replay", journal.toString(), "--target", copy);
        assertTrue(again.out().contains("0 transaction(s) applied"), again.all());
        for (Path f : Files.list(journal).toList()) {
            assertTrue(!Files.readString(f).contains("password"), "no password in " + f);
        }
    }
}
