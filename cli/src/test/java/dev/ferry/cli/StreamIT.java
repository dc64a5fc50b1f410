package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamIT extends WithServers {
    static final Duration CATCH_UP = Duration.ofSeconds(90);

    static void assertSame(String db, String table, String order) {
        String sql = "SELECT t::text FROM " + table + " t ORDER BY " + order;
        List<List<String>> source = pair.source().query(db, sql);
        List<List<String>> target = pair.target().query(db, sql);
        assertEquals(source.size(), target.size(), table + " row count");
        assertEquals(source, target, table + " rows");
    }

    @Test
    void everyChangeKindArrivesWhileStreaming() throws Exception {
        String db = "kinds";
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, """
                CREATE TABLE accounts (id bigserial PRIMARY KEY, owner text NOT NULL, balance numeric, big text);
                INSERT INTO accounts (owner, balance, big) SELECT 'o' || g, g, CASE WHEN g = 1 THEN repeat(md5(g::text), 40000) END
                  FROM generate_series(1, 500) g;
                CREATE TABLE log (a int, j json, p point);
                ALTER TABLE log REPLICA IDENTITY FULL;
                INSERT INTO log VALUES (1, '{"x": 1}', '(1,2)'), (2, '[]', '(0,0)');
                CREATE TABLE scratch (id int PRIMARY KEY, v text);
                INSERT INTO scratch SELECT g, 'v' FROM generate_series(1, 10) g;
                """);
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source",
                pair.source().uri(db), "--target", pair.target().uri(db))) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            pair.source().execute(db, """
                    INSERT INTO accounts (owner, balance) SELECT 'new' || g, g FROM generate_series(1, 300) g;
                    UPDATE accounts SET balance = balance * 2 WHERE id % 7 = 0;
                    DELETE FROM accounts WHERE id % 11 = 0;
                    UPDATE accounts SET balance = -1 WHERE id = 1;
                    UPDATE accounts SET id = 100000 WHERE id = 1;
                    BEGIN; UPDATE accounts SET owner = 'tx' WHERE id = 2; INSERT INTO accounts (owner) VALUES ('in tx'); COMMIT;
                    UPDATE log SET j = '{"y": 2}' WHERE a = 1;
                    DELETE FROM log WHERE a = 2;
                    INSERT INTO log VALUES (3, NULL, NULL);
                    TRUNCATE scratch;
                    INSERT INTO scratch VALUES (42, 'after truncate');
                    UPDATE accounts SET owner = NULL WHERE false;
                    """);
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            assertSame(db, "accounts", "id");
            assertSame(db, "log", "a");
            assertSame(db, "scratch", "id");
            assertEquals(pair.source().queryValue(db, "SELECT md5(big) FROM accounts WHERE id = 100000"),
                    pair.target().queryValue(db, "SELECT md5(big) FROM accounts WHERE id = 100000"),
                    "an unchanged TOAST value survives a key update");
            assertTrue(pair.target().queryValue(db, "SELECT big FROM accounts WHERE id = 100000").length() > 1000);
        }
    }
}
