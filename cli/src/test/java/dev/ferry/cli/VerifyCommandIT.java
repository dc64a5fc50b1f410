package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.embedded.ServerPair;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code ferry verify} as users run it. */
class VerifyCommandIT {
    private static ServerPair pair;

    @BeforeAll
    static void start() {
        pair = ServerPair.start();
        String sql = "CREATE TABLE orders (id int PRIMARY KEY, item text, qty int);"
                + "INSERT INTO orders SELECT g, 'item ' || g, g % 9 FROM generate_series(1, 5000) g;"
                + "CREATE TABLE notes (body text);"
                + "INSERT INTO notes SELECT 'note ' || (g % 10) FROM generate_series(1, 100) g;";
        for (String db : new String[] {"same", "changed"}) {
            pair.source().execute("CREATE DATABASE " + db);
            pair.target().execute("CREATE DATABASE " + db);
            pair.source().execute(db, sql);
            pair.target().execute(db, sql);
        }
        pair.target().execute("changed", "UPDATE orders SET qty = 100 WHERE id = 17; DELETE FROM orders WHERE id = 4000;"
                + "INSERT INTO orders VALUES (9999, 'extra', 1)");
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void equalDatabasesExitZero() {
        FerryRun r = FerryRun.run("verify", "--source", pair.source().uri("same"), "--target", pair.target().uri("same"));
        assertEquals(0, r.exit(), r::all);
        assertTrue(r.out().contains("public.orders: equal, 5,000 rows"), r::all);
        assertTrue(r.out().contains("2 tables compared"), r::all);
        assertTrue(r.out().contains("all equal"), r::all);
    }

    @Test
    void differencesExitOneAndNameTheRows() {
        FerryRun r = FerryRun.run("verify", "--source", pair.source().uri("changed"), "--target",
                pair.target().uri("changed"), "--jobs", "2");
        assertEquals(1, r.exit(), r::all);
        assertTrue(r.out().contains("public.orders: DIFFERENT, 3 rows differ (source 5,000 rows, target 5,000 rows)"), r::all);
        assertTrue(r.out().contains("  different: id=17\n"), r::all);
        assertTrue(r.out().contains("  missing on target: id=4000\n"), r::all);
        assertTrue(r.out().contains("  extra on target: id=9999\n"), r::all);
        assertTrue(r.out().contains("public.notes: equal"), r::all);
    }

    @Test
    void jsonOutputCarriesTheSameFindings() throws Exception {
        FerryRun r = FerryRun.run("verify", "--source", pair.source().uri("changed"), "--target",
                pair.target().uri("changed"), "--tables", "orders", "--json", "--limit", "1");
        assertEquals(1, r.exit(), r::all);
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(false, root.get("equal").asBoolean());
        JsonNode orders = root.get("tables").get(0);
        assertEquals("public.orders", orders.get("table").asText());
        assertEquals(3, orders.get("differences").asInt());
        assertEquals(1, orders.get("listed").size());
        assertEquals(2, orders.get("unlisted").asInt());
    }

    @Test
    void anUnknownTableIsAUsageError() {
        FerryRun r = FerryRun.run("verify", "--source", pair.source().uri("same"), "--target", pair.target().uri("same"),
                "--tables", "nope");
        assertEquals(2, r.exit(), r::all);
        assertTrue(r.err().contains("table public.nope does not exist on the source"), r::all);
    }
}
