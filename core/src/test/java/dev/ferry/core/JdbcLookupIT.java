package dev.ferry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JdbcLookupIT {

    @Test
    void findsOneRowOrABatchOfRowsByKeyInTextForm() throws Exception {
        try (PgServer s = Servers.source()) {
            s.execute("CREATE TABLE \"Tx\" (id bigint PRIMARY KEY, user_id bigint, at timestamptz, region text, "
                    + "UNIQUE (region, id)); INSERT INTO \"Tx\" SELECT g, g * 10, timestamptz '2020-01-01 00:00+00' + g * "
                    + "interval '1 hour', 'r' || (g % 3) FROM generate_series(1, 1000) g");
            try (Connection c = Db.open(ConnectionSpec.parse(s.uri()), "source", "test")) {
                JdbcLookup lookup = new JdbcLookup(c);
                TableId tx = new TableId("public", "Tx");
                Map<String, String> row = lookup.find(tx, Map.of("id", "42")).orElseThrow();
                assertEquals("420", row.get("user_id"));
                assertEquals("2020-01-02 18:00:00+00", row.get("at"));
                assertTrue(lookup.find(tx, Map.of("id", "5000")).isEmpty());
                var found = lookup.findAll(tx, List.of(Map.of("id", "1"), Map.of("id", "2"), Map.of("id", "9999")));
                assertEquals(2, found.size());
                assertEquals("20", found.get(Map.of("id", "2")).get("user_id"));
                var byTwo = lookup.findAll(tx, List.of(Map.of("region", "r1", "id", "7"), Map.of("region", "r0", "id", "7")));
                assertEquals(1, byTwo.size());
                assertEquals("70", byTwo.values().iterator().next().get("user_id"));
            }
        }
    }
}
