package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.Fixtures;
import dev.ferry.embedded.ServerPair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ferry snapshot} end to end on a PostgreSQL 15 source and a PostgreSQL 17 target. */
class SnapshotIT {
    static ServerPair servers;

    @BeforeAll
    static void start() {
        servers = ServerPair.start();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    static void createDatabases(String db) {
        servers.source().execute("CREATE DATABASE " + db);
        servers.target().execute("CREATE DATABASE " + db);
    }

    static FerryRun snapshot(String db, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("snapshot", "--source", servers.source().uri(db),
                "--target", servers.target().uri(db), "--progress", "log", "--slot", "slot_" + db, "--publication", "pub_" + db));
        args.addAll(List.of(extra));
        return FerryRun.run(args.toArray(new String[0]));
    }

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
        assertEquals(servers.source().queryValue("stories", "SELECT last_value FROM cars_id_seq"),
                servers.target().queryValue("stories", "SELECT last_value FROM cars_id_seq"));
        assertEquals(servers.source().queryValue("stories", "SELECT last_value FROM users_id_seq"),
                servers.target().queryValue("stories", "SELECT last_value FROM users_id_seq"));
        assertTrue(r.out().contains("total"), r.all());
        assertEquals("1", servers.source().queryValue("stories",
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_stories'"));
    }
}
