package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ferry snapshot} end to end on a PostgreSQL 15 source and a PostgreSQL 17 target. */
class SnapshotIT extends SnapshotServers {

    /** Every row of a table as text, in order: the same on both sides when the copy is faithful. */
    static List<List<String>> rows(dev.ferry.embedded.PgServer s, String db, String table, String order) {
        return s.query(db, "SELECT t::text FROM " + table + " t ORDER BY " + order);
    }

    static String digest(dev.ferry.embedded.PgServer s, String db, String table, String order) {
        return s.queryValue(db, "SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, E'\\n' ORDER BY " + order
                + "), '')) FROM " + table + " t");
    }

    @Test
    void fidelityRowsArriveIdenticalInTextAndBinaryCopies() {
        createDatabases("fidelity");
        Fixtures.load(servers.source(), "fidelity", "fidelity.sql");
        FerryRun r = snapshot("fidelity", "--jobs", "2");
        assertEquals(0, r.exit(), r.all());
        for (String table : List.of("fidelity", "fidelity_builtin")) {
            String q = "SELECT id, t::text FROM " + table + " t ORDER BY id";
            List<List<String>> src = servers.source().query("fidelity", q);
            List<List<String>> tgt = servers.target().query("fidelity", q);
            assertEquals(5, src.size());
            for (int i = 0; i < src.size(); i++) {
                assertEquals(src.get(i), tgt.get(i), table + " row " + src.get(i).get(0));
            }
        }
    }

    @Test
    void storiesArriveWithKeysIndexesConstraintsSequencesAndPartitions() {
        createDatabases("stories");
        Fixtures.load(servers.source(), "stories", "stories.sql", Map.of("scale", "0.2"));
        FerryRun r = snapshot("stories", "--jobs", "2", "--chunk-size", "256kB");
        assertEquals(0, r.exit(), r.all());
        Map<String, String> tables = Map.of("data_fact", "uuid", "users", "id", "transactions", "id",
                "transaction_details", "id", "cars", "id", "readings", "sensor_id, taken_at",
                "readings_2024", "sensor_id, taken_at", "readings_other", "sensor_id, taken_at");
        tables.forEach((t, order) -> assertEquals(digest(servers.source(), "stories", t, order),
                digest(servers.target(), "stories", t, order), t));
        String defs = "SELECT string_agg(indexrelid::regclass::text || ' ' || pg_get_indexdef(indexrelid), E'\\n' ORDER BY indexrelid::regclass::text) "
                + "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = 'public'";
        assertEquals(servers.source().queryValue("stories", defs), servers.target().queryValue("stories", defs));
        String fks = "SELECT string_agg(conname || ' ' || replace(pg_get_constraintdef(oid), ' NOT VALID', ''), E'\\n' ORDER BY conname) FROM pg_constraint "
                + "WHERE contype IN ('f', 'c', 'u', 'p') AND connamespace = 'public'::regnamespace";
        assertEquals(servers.source().queryValue("stories", fks), servers.target().queryValue("stories", fks));
        assertEquals("f", servers.target().queryValue("stories", "SELECT bool_and(convalidated) FROM pg_constraint WHERE contype = 'f'"),
                "foreign keys are added NOT VALID");
        assertEquals(2, dev.ferry.snapshot.Snapshot.validateConstraints(
                dev.ferry.core.ConnectionSpec.parse(servers.target().uri("stories")), "ferry",
                dev.ferry.snapshot.SnapshotListener.SILENT));
        assertEquals("t", servers.target().queryValue("stories", "SELECT bool_and(convalidated) FROM pg_constraint"),
                "validated online afterwards");
        assertEquals(servers.source().queryValue("stories", "SELECT last_value FROM cars_id_seq"),
                servers.target().queryValue("stories", "SELECT last_value FROM cars_id_seq"));
        assertEquals(servers.source().queryValue("stories", "SELECT last_value FROM users_id_seq"),
                servers.target().queryValue("stories", "SELECT last_value FROM users_id_seq"));
        assertTrue(r.out().contains("total"), r.all());
        assertEquals("1", servers.source().queryValue("stories",
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_stories'"));
    }

    @Test
    void trickyIdentifiersRoundTrip() {
        createDatabases("tricky");
        servers.source().execute("tricky", """
                CREATE SCHEMA "Sales Ünïcode";
                CREATE TYPE "Sales Ünïcode"."Mood ""x""\" AS ENUM ('a''b', 'c d');
                CREATE TABLE "Sales Ünïcode"."user" (id int PRIMARY KEY, "Select" text UNIQUE);
                CREATE TABLE "Sales Ünïcode"."Order ""Lines"", v2" (
                  "ID" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                  "a,b" text NOT NULL DEFAULT 'x,y', "ñ" "Sales Ünïcode"."Mood ""x""\",
                  "user id" int REFERENCES "Sales Ünïcode"."user"(id), "tab	name" text);
                CREATE INDEX "Idx ""q""\" ON "Sales Ünïcode"."Order ""Lines"", v2" ("a,b", "ñ");
                INSERT INTO "Sales Ünïcode"."user" SELECT g, 'sel ' || g FROM generate_series(1, 100) g;
                INSERT INTO "Sales Ünïcode"."Order ""Lines"", v2" ("a,b", "ñ", "user id", "tab	name")
                  SELECT 'v' || g, (ARRAY['a''b', 'c d'])[1 + g % 2]::"Sales Ünïcode"."Mood ""x""\", 1 + g % 100, E'x\ty'
                  FROM generate_series(1, 1000) g;
                """);
        FerryRun r = snapshot("tricky", "--tables", "\"Sales Ünïcode\".\"user\",\"Sales Ünïcode\".\"Order \"\"Lines\"\", v2\"");
        assertEquals(0, r.exit(), r.all());
        for (String t : List.of("\"Sales Ünïcode\".\"user\"", "\"Sales Ünïcode\".\"Order \"\"Lines\"\", v2\"")) {
            assertEquals(rows(servers.source(), "tricky", t, "1"), rows(servers.target(), "tricky", t, "1"), t);
        }
        assertEquals("1", servers.target().queryValue("tricky", "SELECT count(*) FROM pg_indexes WHERE indexname = 'Idx \"q\"'"));
        assertEquals("1001", servers.target().queryValue("tricky",
                "INSERT INTO \"Sales Ünïcode\".\"Order \"\"Lines\"\", v2\" (\"user id\") VALUES (1) RETURNING \"ID\""),
                "the identity sequence continues after the copied rows");
    }

    @Test
    void refusesANonEmptyTargetTableUnlessToldToTruncateIt() {
        createDatabases("nonempty");
        servers.source().execute("nonempty", "CREATE TABLE t (id int PRIMARY KEY, v text); "
                + "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 500) g");
        servers.target().execute("nonempty", "CREATE TABLE t (id int, v text); INSERT INTO t VALUES (-1, 'stale')");
        FerryRun refused = snapshot("nonempty");
        assertEquals(2, refused.exit(), refused.all());
        assertTrue(refused.err().contains("target table public.t already holds rows")
                && refused.err().contains("--truncate-target"), refused.all());
        assertEquals("0", servers.source().queryValue("nonempty",
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_nonempty'"), "nothing left behind");
        assertEquals("0", servers.source().queryValue("nonempty", "SELECT count(*) FROM pg_publication"));
        FerryRun r = snapshot("nonempty", "--truncate-target");
        assertEquals(0, r.exit(), r.all());
        assertEquals(rows(servers.source(), "nonempty", "t", "1"), rows(servers.target(), "nonempty", "t", "1"));
    }

    @Test
    void aTargetTableCreatedBeforehandKeepsItsOwnStorageSettings() {
        createDatabases("ownsettings");
        servers.source().execute("ownsettings", "CREATE TABLE t (id int PRIMARY KEY, v text); "
                + "CREATE TABLE u (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 2000) g; "
                + "INSERT INTO u SELECT g, 'u' || g FROM generate_series(1, 2000) g");
        servers.target().execute("ownsettings", "CREATE TABLE t (id int, v text) WITH (fillfactor = 70, autovacuum_enabled = false)");
        FerryRun r = snapshot("ownsettings", "--chunk-size", "32kB", "--jobs", "2");
        assertEquals(0, r.exit(), r.all());
        assertEquals(rows(servers.source(), "ownsettings", "t", "1"), rows(servers.target(), "ownsettings", "t", "1"));
        assertEquals("{fillfactor=70,autovacuum_enabled=false}", servers.target().queryValue("ownsettings",
                "SELECT reloptions::text FROM pg_class WHERE oid = 't'::regclass"), "the user's table is left as it was");
        assertEquals(null, servers.target().queryValue("ownsettings",
                "SELECT reloptions::text FROM pg_class WHERE oid = 'u'::regclass"),
                "the table Ferry created has autovacuum back on, as the server's default");
        assertEquals("0", servers.target().queryValue("ownsettings", "SELECT count(*) FROM ferry.autovacuum_paused"));
        // The source's slots are counted for the whole class.
        servers.source().execute("ownsettings", "SELECT pg_drop_replication_slot('slot_ownsettings')");
    }

    @Test
    void aFinishedRunSaysSoAndDoesNothing() {
        createDatabases("finished");
        servers.source().execute("finished", "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10)");
        FerryRun first = snapshot("finished");
        assertEquals(0, first.exit(), first.all());
        servers.source().execute("finished", "INSERT INTO t VALUES (11)");
        FerryRun again = snapshot("finished");
        assertEquals(0, again.exit(), again.all());
        assertTrue(again.out().contains("had finished already"), again.all());
        assertEquals("10", servers.target().queryValue("finished", "SELECT count(*) FROM t"));
    }

    @Test
    void transformedTablesAreParsedReshapedAndWrittenAsText(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        createDatabases("reshaped");
        servers.source().execute("reshaped", "CREATE TABLE orders (id int PRIMARY KEY, qty int, note text, "
                + "total numeric GENERATED ALWAYS AS (id * 2) STORED); "
                + "INSERT INTO orders SELECT g, g, CASE WHEN g % 3 = 0 THEN NULL ELSE E'a\\tb\\\\N ' || g END "
                + "FROM generate_series(1, 3000) g");
        java.nio.file.Path config = dir.resolve("ferry.yml");
        java.nio.file.Files.writeString(config, """
                transforms:
                  - type: rename-column
                    table: public.orders
                    column: qty
                    to: quantity
                """);
        FerryRun r = snapshot("reshaped", "--config", config.toString(), "--chunk-size", "32kB", "--jobs", "2");
        assertEquals(0, r.exit(), r.all());
        assertEquals(servers.source().query("reshaped", "SELECT id, qty, note, total FROM orders ORDER BY id"),
                servers.target().query("reshaped", "SELECT id, quantity, note, total FROM orders ORDER BY id"));
    }

    @Test
    void theSourcesTimeoutsDoNotCutFerrysSessions() {
        createDatabases("timeouts");
        servers.source().execute("timeouts", "CREATE TABLE t (id int PRIMARY KEY, pad text); "
                + "INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, 30000) g");
        servers.source().execute("ALTER DATABASE timeouts SET statement_timeout = '500ms'; "
                + "ALTER DATABASE timeouts SET idle_in_transaction_session_timeout = '500ms'");
        servers.target().execute("ALTER DATABASE timeouts SET statement_timeout = '500ms'");
        // About two seconds of copying: longer than either timeout, for the COPY and for the idle snapshot holder.
        FerryRun r = snapshot("timeouts", "--max-rate", "15000rows", "--chunk-size", "1MB");
        assertEquals(0, r.exit(), r.all());
        assertEquals("30000", servers.target().queryValue("timeouts", "SELECT count(*) FROM t"));
    }

    @Test
    void aRunStoppedWhileBuildingIndexesBuildsThemWhenRunAgainWithoutCopying() {
        createDatabases("indexes");
        servers.source().execute("indexes", "CREATE TABLE t (id int PRIMARY KEY, v text UNIQUE, w int); "
                + "CREATE INDEX t_w ON t (w); INSERT INTO t SELECT g, 'v' || g, g % 7 FROM generate_series(1, 1000) g");
        assertEquals(0, snapshot("indexes").exit());
        // As if the process had died half-way through the index build.
        servers.target().execute("indexes", "ALTER TABLE t DROP CONSTRAINT t_pkey; DROP INDEX t_w; "
                + "UPDATE ferry.run SET phase = 'INDEXES'");
        FerryRun r = snapshot("indexes");
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.out().contains("the copy had finished; building keys and indexes"), r.all());
        assertEquals("t_pkey,t_v_key,t_w", servers.target().queryValue("indexes",
                "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 't'"));
        assertEquals("1000", servers.target().queryValue("indexes", "SELECT n_tup_ins FROM pg_stat_user_tables "
                + "WHERE relname = 't'"), "no row was copied again");
    }

    @Test
    void aSourceWithoutLogicalDecodingIsRefusedWithTheFix() {
        try (dev.ferry.embedded.PgServer replica = dev.ferry.embedded.Servers.source(false)) {
            replica.execute("CREATE TABLE t (id int PRIMARY KEY)");
            FerryRun r = FerryRun.run("snapshot", "--source", replica.uri(), "--target", servers.target().uri());
            assertEquals(2, r.exit(), r.all());
            assertTrue(r.err().contains("wal_level = replica") && r.err().contains("ALTER SYSTEM SET wal_level = logical"),
                    r.all());
            assertEquals("0", replica.queryValue("postgres", "SELECT count(*) FROM pg_publication"));
        }
    }

    @Test
    void extensionTypesBringTheirExtensionAndTravelAsText() {
        createDatabases("ext");
        servers.source().execute("ext", "CREATE EXTENSION citext; CREATE TABLE u (id int PRIMARY KEY, email citext UNIQUE, "
                + "aliases citext[]); INSERT INTO u SELECT g, 'User' || g || '@Example.com', ARRAY['A' || g, NULL] "
                + "FROM generate_series(1, 300) g");
        FerryRun r = snapshot("ext");
        assertEquals(0, r.exit(), r.all());
        assertEquals(rows(servers.source(), "ext", "u", "1"), rows(servers.target(), "ext", "u", "1"));
        assertEquals("1", servers.target().queryValue("ext", "SELECT count(*) FROM u WHERE email = 'USER7@EXAMPLE.COM'"),
                "still case-insensitive on the target");
    }

    @Test
    void aTableOfFewRowsWithLargeValuesIsSplitByItsToastSizeToo() {
        createDatabases("toasty");
        servers.source().execute("toasty", "CREATE TABLE docs (id int PRIMARY KEY, body text); INSERT INTO docs "
                + "SELECT g, (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, 200) i) "
                + "FROM generate_series(1, 2000) g");
        FerryRun r = snapshot("toasty", "--chunk-size", "1MB", "--jobs", "2");
        assertEquals(0, r.exit(), r.all());
        assertTrue(Integer.parseInt(servers.target().queryValue("toasty", "SELECT count(*) FROM ferry.chunks")) > 2,
                "split although its heap is far below the chunk size");
        assertEquals(digest(servers.source(), "toasty", "docs", "id"), digest(servers.target(), "toasty", "docs", "id"));
    }

    @Test
    void aTableCopiedWholeIsLoadedFrozenAndEveryStepIsTimed() {
        createDatabases("frozen");
        servers.source().execute("frozen", "CREATE TABLE small (id int PRIMARY KEY, v text); "
                + "CREATE TABLE big (id int PRIMARY KEY, v text); "
                + "INSERT INTO small SELECT g, 'v' || g FROM generate_series(1, 2000) g; "
                + "INSERT INTO big SELECT g, repeat('v', 50) || g FROM generate_series(1, 30000) g");
        FerryRun r = snapshot("frozen", "--chunk-size", "512kB", "--jobs", "2");
        assertEquals(0, r.exit(), r.all());
        assertEquals("1 1", servers.target().queryValue("frozen", "SELECT count(*) || ' ' || count(*) FILTER "
                + "(WHERE lower_bound IS NULL AND upper_bound IS NULL) FROM ferry.chunks WHERE source_name = 'small'"));
        // The key build counted the visibility map: every page of the table copied whole is all-visible (COPY
        // FREEZE; PostgreSQL 17 leaves the last, partly filled one out); the table copied in ranges by several
        // transactions was loaded the ordinary way.
        assertEquals("t", servers.target().queryValue("frozen",
                "SELECT relallvisible > 0 AND relallvisible >= relpages - 1 FROM pg_class WHERE oid = 'small'::regclass"),
                servers.target().queryValue("frozen", "SELECT relpages || '/' || relallvisible || ' ' || version() FROM pg_class WHERE oid = 'small'::regclass") + r.all());
        assertEquals("0", servers.target().queryValue("frozen", "SELECT relallvisible FROM pg_class WHERE oid = 'big'::regclass"));
        assertEquals(digest(servers.source(), "frozen", "small", "id"), digest(servers.target(), "frozen", "small", "id"));
        assertEquals(digest(servers.source(), "frozen", "big", "id"), digest(servers.target(), "frozen", "big", "id"));
        assertEquals("constraints,copy,indexes,slot,tables", servers.target().queryValue("frozen",
                "SELECT string_agg(step, ',' ORDER BY step) FROM ferry.steps WHERE seconds >= 0"));
        assertTrue(r.out().contains("Steps: slot and snapshot "), r.all());
        // The servers are shared by this class and have few slots: leave none behind.
        servers.source().execute("frozen", "SELECT pg_drop_replication_slot('slot_frozen')");
    }

    @Test
    void theAutomaticChunkSizeCopiesABigTableWholeAndFrozenUnlessAnotherWorkerWouldWait() {
        // Larger than a 64MB range, so an explicit --chunk-size 64MB would split it.
        String table = "CREATE TABLE wide (id int PRIMARY KEY, v text); "
                + "INSERT INTO wide SELECT g, repeat(md5(g::text), 25) FROM generate_series(1, 90000) g";
        createDatabases("wholebig");
        createDatabases("splitbig");
        servers.source().execute("wholebig", table);
        servers.source().execute("splitbig", table);
        assertEquals("t", servers.source().queryValue("wholebig", "SELECT pg_table_size('wide') > 64 * 1024 * 1024"));

        try {
            wholeAndSplit();
        } finally {
            servers.source().execute("wholebig", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    + "WHERE slot_name = 'slot_wholebig'");
            servers.source().execute("splitbig", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    + "WHERE slot_name = 'slot_splitbig'");
        }
    }

    private static void wholeAndSplit() {
        FerryRun one = snapshot("wholebig", "--jobs", "1");
        assertEquals(0, one.exit(), one.all());
        assertEquals("1 1", servers.target().queryValue("wholebig", "SELECT count(*) || ' ' || count(*) FILTER "
                + "(WHERE kind = 'all' AND lower_bound IS NULL AND upper_bound IS NULL) FROM ferry.chunks"));
        // All-visible but where one multi-insert batch ended and the next went on filling the same page.
        assertEquals("t", servers.target().queryValue("wholebig",
                "SELECT relallvisible >= relpages * 0.99 FROM pg_class WHERE oid = 'wide'::regclass"),
                servers.target().queryValue("wholebig", "SELECT relpages || '/' || relallvisible FROM pg_class "
                        + "WHERE oid = 'wide'::regclass") + one.all());
        assertEquals(digest(servers.source(), "wholebig", "wide", "id"), digest(servers.target(), "wholebig", "wide", "id"));

        // Alone in the copy, the table is all of the second worker's share too: split, loaded the ordinary way.
        FerryRun two = snapshot("splitbig", "--jobs", "2");
        assertEquals(0, two.exit(), two.all());
        assertTrue(Integer.parseInt(servers.target().queryValue("splitbig", "SELECT count(*) FROM ferry.chunks "
                + "WHERE kind = 'ctid'")) > 1, two.all());
        assertEquals("0", servers.target().queryValue("splitbig", "SELECT relallvisible FROM pg_class WHERE oid = 'wide'::regclass"));
        assertEquals(digest(servers.source(), "splitbig", "wide", "id"), digest(servers.target(), "splitbig", "wide", "id"));
    }
}
