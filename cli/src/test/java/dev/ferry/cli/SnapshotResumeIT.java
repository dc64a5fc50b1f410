package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Lsn;
import dev.ferry.core.state.DeferredIndex;
import dev.ferry.core.state.StateStore;
import dev.ferry.transforms.TableId;
import dev.ferry.snapshot.Snapshot;
import dev.ferry.snapshot.SnapshotOptions;
import dev.ferry.snapshot.SnapshotResult;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 at various points of {@code ferry snapshot}, then the same command: the target ends exact. */
class SnapshotResumeIT extends SnapshotServers {
    @TempDir
    Path dir;

    static void createTables(String db) {
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE big (id bigint PRIMARY KEY, val bigint NOT NULL, pad text NOT NULL); "
                + "CREATE TABLE big2 (id bigint PRIMARY KEY, val bigint NOT NULL, pad text NOT NULL); "
                + "CREATE TABLE nokey (a int, b text); ALTER TABLE nokey REPLICA IDENTITY FULL; "
                + "INSERT INTO big SELECT g, g, repeat('b', 120) FROM generate_series(1, 120000) g; "
                + "INSERT INTO big2 SELECT g, g, repeat('c', 120) FROM generate_series(1, 60000) g; "
                + "INSERT INTO nokey SELECT g % 100, 'same ' || (g % 100) FROM generate_series(1, 20000) g; "
                + "CREATE UNIQUE INDEX big_val ON big (val); CREATE UNIQUE INDEX big2_val ON big2 (val)");
        servers.source().execute(db, "VACUUM ANALYZE");
    }

    static String[] args(String db, String... extra) {
        List<String> a = new ArrayList<>(List.of("--jobs", "2", "--chunk-size", "1MB"));
        a.addAll(List.of(extra));
        return snapshotArgs(db, a.toArray(new String[0]));
    }

    /** A number from the target's state, or -1 while the state schema does not exist yet. */
    static long state(String db, String sql) {
        try {
            String v = servers.target().queryValue(db, sql);
            return v == null ? 0 : Long.parseLong(v);
        } catch (IllegalStateException e) {
            return -1;
        }
    }

    static long doneChunks(String db, String table) {
        return state(db, "SELECT count(*) FROM ferry.chunks WHERE done AND source_name = '" + table + "'");
    }

    static long chunks(String db, String table) {
        return state(db, "SELECT count(*) FROM ferry.chunks WHERE source_name = '" + table + "'");
    }

    /** Starts a rate-limited snapshot of {@code db} logging to {@code logName} and kills it when {@code condition} holds. */
    Path startAndKill(String db, String logName, BooleanSupplier condition) throws Exception {
        Path log = dir.resolve(logName);
        killWhen(FerryRun.start(log, args(db, "--max-rate", "30000rows")), log, condition);
        return log;
    }

    static void killWhen(Process p, Path log, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(p.isAlive(), "ferry ended before the kill point:\n" + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "kill point not reached:\n" + Files.readString(log));
            Thread.sleep(10);
        }
        p.destroyForcibly().waitFor();
    }

    /** The per-table floors and resync positions the state store holds: {table: [floor, resync]}. */
    static Map<String, List<Lsn>> floors(String db) {
        try (StateStore store = StateStore.open(ConnectionSpec.parse(servers.target().uri(db)), "ferry")) {
            Map<String, List<Lsn>> out = new TreeMap<>();
            Map<TableId, Lsn> resync = store.resyncLsns();
            store.tableFloors().forEach((t, f) -> out.put(t.name(), java.util.Arrays.asList(f, resync.get(t))));
            resync.forEach((t, r) -> out.putIfAbsent(t.name(), java.util.Arrays.asList(null, r)));
            return out;
        }
    }

    /** A target table's storage settings and its TOAST table's: "{...}/{...}", "-" for none. */
    static String autovacuum(String db, String table) {
        return servers.target().queryValue(db, "SELECT coalesce(c.reloptions::text, '-') || '/' "
                + "|| coalesce(t.reloptions::text, '-') FROM pg_class c LEFT JOIN pg_class t ON t.oid = c.reltoastrelid "
                + "WHERE c.oid = '" + table + "'::regclass");
    }

    static final String PAUSED = "{autovacuum_enabled=false}/{autovacuum_enabled=false}";

    /** No session of {@code app} is left on the source's {@code db} (some are closed by a thread of their own). */
    static void assertNoSourceSession(String db, String app) throws InterruptedException {
        String sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db + "' AND application_name = '"
                + app + "'";
        for (int i = 0; i < 100 && !"0".equals(servers.source().queryValue("postgres", sql)); i++) {
            Thread.sleep(100);
        }
        assertEquals("0", servers.source().queryValue("postgres", sql), "sessions of " + app + " left open on " + db);
    }

    static void assertSame(String db, String table, String order) {
        String q = "SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY " + order + ")) FROM " + table + " t";
        assertEquals(servers.source().queryValue(db, q), servers.target().queryValue(db, q), table);
    }

    @Test
    void killedMidCopyTheSameCommandSkipsFinishedTablesAndRecopiesTheRestFromAFreshSnapshot() throws Exception {
        String db = "midcopy";
        createTables(db);
        Path log = startAndKill(db, "first.log", () -> chunks(db, "big") > 0
                && doneChunks(db, "big") == chunks(db, "big") && doneChunks(db, "big2") > 0);
        assertTrue(doneChunks(db, "big2") < chunks(db, "big2"), "killed while big2 was being copied");
        assertTrue(Files.readString(log).contains("its exporting session is closed"), Files.readString(log));
        assertEquals(PAUSED, autovacuum(db, "big2"), "autovacuum is off on a table being loaded");
        assertEquals(1, state(db, "SELECT count(*) FROM ferry.autovacuum_paused WHERE target_name = 'big2'"));
        String bigInserts = servers.target().queryValue(db, "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'big'");
        // Changes after the kill: the unfinished table is copied from a fresh snapshot and must show them.
        servers.source().execute(db, "INSERT INTO big2 SELECT g, -g, 'new' FROM generate_series(100001, 100500) g; "
                + "DELETE FROM big2 WHERE id <= 100");

        FerryRun r = FerryRun.run(args(db));
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.out().contains("continuing from a fresh snapshot"), r.all());
        assertTrue(r.out().contains("table public.nokey has no primary key"), r.all());
        assertSame(db, "big", "id");
        assertSame(db, "big2", "id");
        assertSame(db, "nokey", "a, b");
        assertEquals(bigInserts, servers.target().queryValue(db, "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'big'"),
                "the finished table was not copied again");
        assertNotNull(servers.target().queryValue(db, "SELECT resync_lsn FROM ferry.tables WHERE source_name = 'big2'"));
        assertEquals(null, servers.target().queryValue(db, "SELECT resync_lsn FROM ferry.tables WHERE source_name = 'big'"));
        assertEquals("t", servers.target().queryValue(db, "SELECT bool_and(kind = 'key') FROM ferry.chunks WHERE source_name = 'big2'"));
        Lsn fresh = floors(db).get("big2").get(1);
        assertEquals(Map.of("big2", List.of(fresh, fresh), "nokey", List.of(fresh, fresh)), floors(db),
                "the tables copied again under the fresh snapshot have its position as their floor; the finished one none");
        assertEquals("1", servers.target().queryValue(db, "SELECT count(*) FROM pg_indexes WHERE indexname = 'big2_pkey'"),
                "the key was built, so no row is there twice");
        assertTrue(r.out().contains("1 unique index(es) wait"), r.all());
        for (String t : List.of("big", "big2", "nokey")) {
            assertEquals("-/-", autovacuum(db, t), "autovacuum is back on " + t + " once it is built");
        }
        assertEquals(0, state(db, "SELECT count(*) FROM ferry.autovacuum_paused"));
        assertEquals("big_val", servers.target().queryValue(db, "SELECT string_agg(indexname, ',') FROM pg_indexes "
                + "WHERE indexname LIKE '%val'"), "the unique index of the resynced table waits for the stream");
        FerryRun again = FerryRun.run(args(db));
        assertTrue(again.out().contains("had finished already") && again.out().contains("1 unique index(es) wait"),
                again.all());
        assertNoSourceSession(db, "ferry snapshot"); // the first look a finished run never takes is closed too
        SnapshotResult finished = Snapshot.run(SnapshotOptions.of(ConnectionSpec.parse(servers.source().uri(db)),
                ConnectionSpec.parse(servers.target().uri(db))).withSlot("slot_" + db, "pub_" + db, Duration.ofSeconds(5)));
        assertTrue(finished.alreadyDone());
        assertEquals(List.of("big2_val"), finished.deferred().stream().map(DeferredIndex::name).toList());
        assertEquals("big2_val:false", servers.target().queryValue(db, "SELECT name || ':' || (built_at IS NOT NULL) "
                + "FROM ferry.deferred_indexes"), "recorded for the stream to build");
    }

    @Test
    void killedMidCopyThenCleanedUpAutovacuumIsBackOnWhereItWasOff() throws Exception {
        String db = "midcopy_cleanup";
        createTables(db);
        startAndKill(db, "cleanup.log", () -> doneChunks(db, "big") > 0);
        assertEquals(PAUSED, autovacuum(db, "big"), "killed while big was being copied");
        FerryRun cleanup = FerryRun.run("cleanup", "--yes", "--source", servers.source().uri(db), "--target",
                servers.target().uri(db), "--slot", "slot_" + db, "--publication", "pub_" + db);
        assertEquals(0, cleanup.exit(), cleanup.all());
        assertTrue(cleanup.out().contains("Turned autovacuum back on for"), cleanup.all());
        for (String t : List.of("big", "big2", "nokey")) {
            assertEquals("-/-", autovacuum(db, t), t);
        }
    }

    @Test
    void killedTwiceKeyRangeChunksFinishedAfterTheFirstResumeAreKept() throws Exception {
        String db = "twice";
        createTables(db);
        startAndKill(db, "first.log", () -> doneChunks(db, "big") >= 2);
        Path log2 = startAndKill(db, "second.log", () -> state(db, "SELECT count(*) FROM ferry.chunks WHERE done "
                + "AND kind = 'key' AND source_name = 'big'") >= 2);
        assertTrue(Files.readString(log2).contains("continuing from a fresh snapshot"), Files.readString(log2));
        List<List<String>> keptChunks = servers.target().query(db, "SELECT chunk, lower_bound, upper_bound, rows FROM ferry.chunks "
                + "WHERE done AND source_name = 'big' ORDER BY chunk");
        long total = chunks(db, "big");

        FerryRun r = FerryRun.run(args(db));
        assertEquals(0, r.exit(), r.all());
        List<List<String>> after = servers.target().query(db, "SELECT chunk, lower_bound, upper_bound, rows FROM ferry.chunks "
                + "WHERE source_name = 'big' ORDER BY chunk");
        assertEquals(total, after.size(), "the key ranges were not planned again");
        assertTrue(after.containsAll(keptChunks), "finished key-range chunks are kept as they were");
        assertFalse(keptChunks.isEmpty());
        Map<String, List<Lsn>> floors = floors(db);
        assertTrue(floors.get("big").get(0).compareTo(floors.get("big").get(1)) < 0, "key ranges kept from the first "
                + "fresh snapshot put big's floor there, before the second one it was finished under: " + floors);
        assertEquals(floors.get("nokey").get(1), floors.get("nokey").get(0), "a table without a key is copied whole "
                + "under one snapshot, so its floor is exact: " + floors);
        assertSame(db, "big", "id");
        assertSame(db, "big2", "id");
        assertSame(db, "nokey", "a, b");
    }

    @Test
    void killedRightAfterTheRunWasRecordedTheSameCommandFinishesIt() throws Exception {
        String db = "early";
        createTables(db);
        startAndKill(db, "early.log", () -> state(db, "SELECT count(*) FROM ferry.run") > 0);
        FerryRun r = FerryRun.run(args(db));
        assertEquals(0, r.exit(), r.all());
        assertSame(db, "big", "id");
        assertSame(db, "big2", "id");
        assertSame(db, "nokey", "a, b");
        assertEquals("1", servers.source().queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_early'"));
    }
}
