package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The user stories that reshape data, end to end with writes going on, checked by verify through the transforms. */
class TransformsEndToEndIT extends WithServers {
    static final Duration CATCH_UP = Duration.ofSeconds(90);

    private Path config(String yaml) throws Exception {
        Path f = tmp.resolve("ferry-" + System.nanoTime() + ".yml");
        Files.writeString(f, yaml);
        return f;
    }


    private RunningFerry start(String db, Path config, String... extra) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("start", "--config", config.toString(),
                "--source", pair.source().uri(db), "--target", pair.target().uri(db), "--slot", "slot_" + db));
        args.addAll(java.util.List.of(extra));
        return RunningFerry.start(tmp.resolve(db + ".log"), args.toArray(String[]::new));
    }

    private static FerryRun verify(String db, Path config) {
        return FerryRun.run("verify", "--config", config.toString(), "--source", pair.source().uri(db),
                "--target", pair.target().uri(db));
    }

    @Test
    void anIntegerKeyBecomesBigintWhileWritesGoOnThenTheSwitchHandsOverItsSequence() throws Exception {
        String db = "cars";
        databases(db, "CREATE TABLE cars (id serial PRIMARY KEY, vin text NOT NULL UNIQUE, mileage int NOT NULL DEFAULT 0);"
                + "INSERT INTO cars (vin, mileage) SELECT 'VIN' || g, g FROM generate_series(1, 20000) g");
        Path config = config("""
                transforms:
                  - type: change-type
                    table: public.cars
                    column: id
                    to: bigint
                """);
        try (RunningFerry ferry = start(db, config)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            pair.source().execute(db, "INSERT INTO cars (vin) SELECT 'NEW' || g FROM generate_series(1, 500) g;"
                    + "UPDATE cars SET mileage = mileage + 1 WHERE id % 3 = 0; DELETE FROM cars WHERE id % 17 = 0");
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            assertEquals("bigint", pair.target().queryValue(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                    + "WHERE attrelid = 'cars'::regclass AND attname = 'id'"));
            FerryRun v = verify(db, config);
            assertEquals(0, v.exit(), v.all());
            FerryRun sw = FerryRun.run("switch", "--config", config.toString(), "--source", pair.source().uri(db),
                    "--target", pair.target().uri(db), "--fence", "lock");
            assertEquals(0, sw.exit(), sw.all());
        }
        String max = pair.source().queryValue(db, "SELECT max(id) FROM cars");
        String next = pair.target().queryValue(db, "INSERT INTO cars (vin) VALUES ('on the new server') RETURNING id");
        assertTrue(Long.parseLong(next) > Long.parseLong(max), "target sequence continues past " + max + ": " + next);
    }

    @Test
    void detailsAreEnrichedFromTheirTransactionDuringSnapshotAndStream() throws Exception {
        String db = "enrich";
        databases(db, """
                CREATE TABLE transactions (id bigint PRIMARY KEY, user_id bigint NOT NULL, amount numeric(12,2) NOT NULL);
                CREATE TABLE transaction_details (id bigint PRIMARY KEY, transaction_id bigint NOT NULL, user_id bigint,
                  kind text NOT NULL);
                INSERT INTO transactions SELECT g, 1000 + g % 97, g FROM generate_series(1, 5000) g;
                INSERT INTO transaction_details SELECT g, 1 + g % 5000, NULL, 'fee' FROM generate_series(1, 15000) g;
                """);
        Path config = config("""
                transforms:
                  - type: enrich
                    table: public.transaction_details
                    column: user_id
                    from: public.transactions
                    match: {id: transaction_id}
                    take: user_id
                """);
        try (RunningFerry ferry = start(db, config)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            assertEquals("0", pair.target().queryValue(db, "SELECT count(*) FROM transaction_details d JOIN transactions t "
                    + "ON t.id = d.transaction_id WHERE d.user_id IS DISTINCT FROM t.user_id"), "snapshot rows enriched");
            pair.source().execute(db, """
                    INSERT INTO transactions VALUES (6001, 42, 1);
                    INSERT INTO transaction_details VALUES (20001, 6001, NULL, 'item'), (20002, 17, NULL, 'tax');
                    UPDATE transaction_details SET kind = 'refund' WHERE id = 5;
                    """);
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            assertEquals("42", pair.target().queryValue(db, "SELECT user_id FROM transaction_details WHERE id = 20001"));
            assertEquals(pair.source().queryValue(db, "SELECT user_id FROM transactions WHERE id = 17"),
                    pair.target().queryValue(db, "SELECT user_id FROM transaction_details WHERE id = 20002"));
            assertEquals(pair.source().queryValue(db, "SELECT user_id FROM transactions WHERE id = 6"),
                    pair.target().queryValue(db, "SELECT user_id FROM transaction_details WHERE id = 5"),
                    "an updated detail is enriched again");
            // The documented rule: a referenced row changing later does not rewrite details enriched before.
            String before = pair.target().queryValue(db, "SELECT user_id FROM transaction_details WHERE id = 20001");
            pair.source().execute(db, "UPDATE transactions SET user_id = 7 WHERE id = 6001");
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            assertEquals(before, pair.target().queryValue(db, "SELECT user_id FROM transaction_details WHERE id = 20001"));
            assertEquals("7", pair.target().queryValue(db, "SELECT user_id FROM transactions WHERE id = 6001"));
        }
    }

    @Test
    void renamedRecodedAndFilteredRowsFollowUpdatesAcrossTheFilter() throws Exception {
        String db = "reshape";
        databases(db, """
                CREATE TABLE users (id int PRIMARY KEY, mail text, status char(1) NOT NULL);
                ALTER TABLE users REPLICA IDENTITY FULL;
                INSERT INTO users SELECT g, 'u' || g || '@x', (ARRAY['A','I','D'])[1 + g % 3] FROM generate_series(1, 3000) g;
                """);
        Path config = config("""
                transforms:
                  - type: rename-table
                    table: public.users
                    to: accounts
                  - type: rename-column
                    table: public.accounts
                    column: mail
                    to: email
                  - type: filter
                    table: public.accounts
                    where: status != 'D'
                  - type: change-type
                    table: public.accounts
                    column: status
                    to: text
                  - type: recode
                    table: public.accounts
                    column: status
                    map: {A: active, I: inactive, D: deleted}
                """);
        try (RunningFerry ferry = start(db, config)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            pair.source().execute(db, """
                    UPDATE users SET status = 'D' WHERE id BETWEEN 1 AND 30 AND status <> 'D';
                    UPDATE users SET status = 'A' WHERE id BETWEEN 31 AND 60 AND status = 'D';
                    UPDATE users SET mail = 'changed' WHERE id BETWEEN 61 AND 90;
                    INSERT INTO users VALUES (5001, 'new@x', 'A'), (5002, 'gone@x', 'D');
                    DELETE FROM users WHERE id BETWEEN 91 AND 95;
                    """);
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            assertEquals(pair.source().queryValue(db, "SELECT count(*) FROM users WHERE status <> 'D'"),
                    pair.target().queryValue(db, "SELECT count(*) FROM accounts"));
            assertEquals("0", pair.target().queryValue(db, "SELECT count(*) FROM accounts WHERE status NOT IN ('active', 'inactive')"));
            assertEquals("changed", pair.target().queryValue(db, "SELECT email FROM accounts WHERE id = 61 OR id = 62 "
                    + "ORDER BY id LIMIT 1"));
            FerryRun v = verify(db, config);
            assertEquals(0, v.exit(), v.all());
        }
    }

    @Test
    void aFailingTransformStopsWithItsNameTableAndKeyOrGoesToTheDeadLetters() throws Exception {
        String db = "failing";
        databases(db, "CREATE TABLE events (id int PRIMARY KEY, payload text);"
                + "INSERT INTO events SELECT g, '{\"n\": ' || g || '}' FROM generate_series(1, 100) g");
        Path config = config("""
                transforms:
                  - type: change-type
                    table: public.events
                    column: payload
                    to: jsonb
                """);
        try (RunningFerry ferry = start(db, config)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            pair.source().execute(db, "INSERT INTO events VALUES (500, 'not json at all')");
            ferry.await("ferry to stop", CATCH_UP, () -> !ferry.alive(), true);
            String out = ferry.output();
            assertTrue(out.contains("change-type") && out.contains("public.events") && out.contains("id=500")
                    && out.contains("--on-error dead-letter"), out);
        }
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("failing2.log"), "stream", "--config", config.toString(),
                "--source", pair.source().uri(db), "--target", pair.target().uri(db), "--on-error", "dead-letter")) {
            pair.source().execute(db, "INSERT INTO events VALUES (501, '{\"ok\": true}')");
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
            assertEquals("1", pair.target().queryValue(db, "SELECT count(*) FROM ferry.dead_letters WHERE key = 'id=500'"));
            assertEquals("{\"ok\": true}", pair.target().queryValue(db, "SELECT payload::text FROM events WHERE id = 501"));
            assertEquals("0", pair.target().queryValue(db, "SELECT count(*) FROM events WHERE id = 500"));
        }
    }
}
