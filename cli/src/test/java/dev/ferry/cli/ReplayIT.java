package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.applier.journal.JournalEntry;
import dev.ferry.applier.journal.JournalWriter;
import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Lsn;
import dev.ferry.core.state.StateStore;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayIT extends WithServers {
    static final TableSchema ITEMS = new TableSchema(new TableId("public", "items"),
            List.of(Column.of("id", "integer"), Column.of("note", "text")), List.of("id"));
    static final TableSchema EVENTS = new TableSchema(new TableId("public", "events"),
            List.of(Column.of("a", "integer"), Column.of("b", "text")), List.of());
    static final String TABLES = "CREATE TABLE items (id int PRIMARY KEY, note text); CREATE TABLE events (a int, b text);";

    static void change(JournalWriter w, long lsn, long xid, TableSchema t, Op op, String id, String text) {
        String k = t.hasKey() ? "id" : "a";
        String v = t.hasKey() ? "note" : "b";
        Map<String, String> row = new java.util.HashMap<>();
        if (op != Op.TRUNCATE) {
            row.put(k, id);
            row.put(v, text);
        }
        Map<String, String> key = op == Op.TRUNCATE ? Map.of() : t.hasKey() ? Map.of(k, id) : row;
        w.append(new JournalEntry(new Lsn(lsn), xid, Instant.now(), t.id(), op, key,
                op == Op.DELETE || op == Op.TRUNCATE ? Map.of() : row), t);
    }

    static String rows(String db) {
        return pair.target().query(db, "SELECT 'items', id::text, note FROM items UNION ALL "
                + "SELECT 'events', a::text, b FROM events ORDER BY 1, 2").toString();
    }

    static String position(String db) {
        return pair.target().queryValue(db, "SELECT lsn::text FROM ferry.applied WHERE worker = 0");
    }

    @Test
    void aReplayOntoATargetAheadOfTheJournalLeavesRowsAndPositionAlone() throws Exception {
        String db = "replay_ahead";
        pair.target().execute("CREATE DATABASE " + db);
        pair.target().execute(db, TABLES + "INSERT INTO items VALUES (1, 'newest'), (2, 'newest'); "
                + "INSERT INTO events VALUES (1, 'newest')");
        ConnectionSpec target = ConnectionSpec.parse(pair.target().uri(db));
        try (StateStore store = StateStore.open(target, "ferry"); Connection c = pair.target().connect(db)) {
            c.setAutoCommit(false);
            StateStore.recordApplied(c, "ferry", 0, Lsn.parse("0/5000"), 1);
            c.commit();
        }
        Path journal = tmp.resolve("journal");
        try (JournalWriter w = new JournalWriter(journal)) {
            change(w, 0x100, 1, ITEMS, Op.UPDATE, "1", "old");
            w.commit(1, new Lsn(0x110), null);
            change(w, 0x200, 2, ITEMS, Op.DELETE, "2", null);
            change(w, 0x201, 2, EVENTS, Op.INSERT, "1", "newest");
            w.commit(2, new Lsn(0x210), null);
            change(w, 0x300, 3, ITEMS, Op.INSERT, "3", "old");
            w.commit(3, new Lsn(0x310), null);
            change(w, 0x400, 4, EVENTS, Op.TRUNCATE, null, null);
            w.commit(4, new Lsn(0x410), null);
        }
        String before = rows(db);
        FerryRun replay = FerryRun.run("replay", journal.toString(), "--target", pair.target().uri(db));
        assertEquals(0, replay.exit(), replay.all());
        assertTrue(replay.out().contains("0 transaction(s) applied, 4 skipped"), replay.all());
        assertEquals(before, rows(db));
        assertEquals("0/5000", position(db));
    }

    @Test
    void aTransactionTornByACrashBeforeANewJournalFileIsNeverApplied() throws Exception {
        String db = "replay_torn";
        pair.target().execute("CREATE DATABASE " + db);
        pair.target().execute(db, TABLES);
        Path journal = tmp.resolve("journal");
        try (JournalWriter w = new JournalWriter(journal)) {
            change(w, 0x100, 1, ITEMS, Op.INSERT, "1", "committed");
            w.commit(1, new Lsn(0x110), null);
            change(w, 0x200, 2, ITEMS, Op.INSERT, "2", "torn");
            change(w, 0x201, 2, EVENTS, Op.INSERT, "7", "torn");
            w.flush(); // the process dies here: no commit line for transaction 2
        }
        try (JournalWriter w = new JournalWriter(journal)) { // the restarted stream writes a new file
            change(w, 0x300, 3, ITEMS, Op.INSERT, "3", "committed");
            change(w, 0x301, 3, EVENTS, Op.INSERT, "8", "committed");
            w.commit(3, new Lsn(0x310), null);
        }
        FerryRun replay = FerryRun.run("replay", journal.toString(), "--target", pair.target().uri(db));
        assertEquals(0, replay.exit(), replay.all());
        assertEquals("[[events, 8, committed], [items, 1, committed], [items, 3, committed]]", rows(db));
        assertEquals("0/310", position(db));
        assertTrue(replay.out().contains("2 transaction(s) applied, 0 skipped (at or below the target's position), "
                + "1 left out (cut off by a crash, without a commit line)"), replay.all());
        FerryRun dry = FerryRun.run("replay", journal.toString(), "--dry-run");
        assertTrue(dry.out().contains("torn     transaction 2 at the end of journal-000001.jsonl"), dry.all());
    }

    @Test
    void aReplayWhileAStreamAppliesToTheSameTargetIsRefusedInOneSentence() throws Exception {
        String db = "replay_locked";
        databases(db, "CREATE TABLE accounts (id int PRIMARY KEY, balance int); "
                + "INSERT INTO accounts SELECT g, g FROM generate_series(1, 100) g;");
        String src = pair.source().uri(db);
        String tgt = pair.target().uri(db);
        FerryRun snap = FerryRun.run("snapshot", "--source", src, "--target", tgt, "--slot", "slot_" + db);
        assertEquals(0, snap.exit(), snap.all());
        Path journal = tmp.resolve("journal");
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "stream", "--source", src, "--target", tgt,
                "--journal", journal.toString())) {
            pair.source().execute(db, "UPDATE accounts SET balance = -balance WHERE id <= 50");
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
            FerryRun replay = FerryRun.run("replay", journal.toString(), "--target", tgt);
            assertEquals(2, replay.exit(), replay.all());
            assertTrue(replay.err().contains("changes are already being applied to this target by another Ferry command"),
                    replay.all());
            assertEquals(1, replay.err().strip().lines().count(), "one sentence: " + replay.all());
            pair.source().execute(db, "UPDATE accounts SET balance = 0 WHERE id = 1");
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
            assertTrue(ferry.alive(), "the stream goes on: " + ferry.output());
        }
        String sql = "SELECT t::text FROM accounts t ORDER BY id";
        assertEquals(pair.source().query(db, sql), pair.target().query(db, sql));
    }

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
