package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code ferry verify --config ferry.yml} through every built-in transform that changes a table's shape (add,
 * drop, rename, retype, enrich, compute): equal after the snapshot, and a row changed on the target afterwards is
 * named by its key.
 */
class VerifyThroughTransformsIT extends WithServers {

    static final String SOURCE = """
            CREATE TABLE added (id int PRIMARY KEY, a text);
            INSERT INTO added SELECT g, 'a' || g FROM generate_series(1, 300) g;
            CREATE TABLE dropped (id int PRIMARY KEY, keep text, legacy text);
            INSERT INTO dropped SELECT g, 'k' || g, 'old' || g FROM generate_series(1, 300) g;
            CREATE TABLE renamed (id int PRIMARY KEY, qty int, note text);
            INSERT INTO renamed SELECT g, g * 2, 'n' || g FROM generate_series(1, 300) g;
            CREATE TABLE retyped (id int PRIMARY KEY, payload text, created timestamp(3), price text);
            INSERT INTO retyped SELECT g, '{"b": ' || g || ',  "a":[1,2]}', timestamp '2024-03-31 01:30' + g * interval '7 minutes',
              (g / 4.0)::text FROM generate_series(1, 300) g;
            CREATE TABLE transactions (id bigint PRIMARY KEY, user_id bigint);
            INSERT INTO transactions SELECT g, 1000 + g % 17 FROM generate_series(1, 300) g;
            CREATE TABLE transaction_details (id bigint PRIMARY KEY, transaction_id bigint, amount numeric);
            INSERT INTO transaction_details SELECT g, CASE WHEN g % 50 = 0 THEN NULL ELSE (g % 300) + 1 END, g * 1.5
              FROM generate_series(1, 300) g;
            CREATE TABLE computed (id int PRIMARY KEY, first text, last text, qty int, price numeric);
            INSERT INTO computed SELECT g, 'F' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'L' || g END, g, g / 8.0
              FROM generate_series(1, 300) g;
            CREATE TABLE untouched (id int PRIMARY KEY, v text);
            INSERT INTO untouched SELECT g, 'v' || g FROM generate_series(1, 300) g;
            """;

    static final String TRANSFORMS = """
            transforms:
              - type: add-column
                table: added
                column: origin
                column_type: text
                value: legacy
              - type: add-column
                table: added
                column: migrated_at
                column_type: timestamptz
                default: now()
              - type: drop-column
                table: dropped
                column: legacy
              - type: rename-column
                table: renamed
                column: qty
                to: quantity
              - type: drop-column
                table: renamed
                column: note
              - type: change-type
                table: retyped
                column: id
                to: bigint
              - type: change-type
                table: retyped
                column: payload
                to: jsonb
              - type: change-type
                table: retyped
                column: created
                to: timestamptz
                zone: Europe/Paris
              - type: change-type
                table: retyped
                column: price
                to: numeric(10,3)
              - type: enrich
                table: transaction_details
                column: user_id
                column_type: bigint
                from: transactions
                match: {id: transaction_id}
                take: user_id
              - type: compute
                table: computed
                column: full_name
                template: '{first} {last}'
              - type: compute
                table: computed
                column: total
                column_type: numeric(12,2)
                expression: qty * price
            """;

    @Test
    void everyShapeChangingTransformVerifiesEqualAndNamesAChangedRow() throws Exception {
        String db = "shapes";
        databases(db, SOURCE);
        Path config = tmp.resolve("ferry.yml");
        Files.writeString(config, "source: " + pair.source().uri(db) + "\ntarget: " + pair.target().uri(db) + "\n"
                + TRANSFORMS);
        FerryRun snap = FerryRun.run("snapshot", "--config", config.toString(), "--slot", "slot_" + db);
        assertEquals(0, snap.exit(), snap.all());

        FerryRun equal = FerryRun.run("verify", "--config", config.toString());
        assertEquals(0, equal.exit(), equal.all());
        for (String t : List.of("added", "dropped", "renamed", "retyped", "transaction_details", "computed",
                "untouched", "transactions")) {
            assertTrue(equal.out().contains("public." + t + ": equal, 300 rows"), t + ": " + equal.all());
        }
        assertTrue(equal.out().contains("note: column migrated_at is left to the target to fill"), equal.all());

        pair.target().execute(db, """
                UPDATE added SET origin = 'other' WHERE id = 11;
                UPDATE dropped SET keep = 'changed' WHERE id = 12;
                UPDATE renamed SET quantity = -1 WHERE id = 13;
                UPDATE retyped SET created = created + interval '1 hour' WHERE id = 14;
                UPDATE retyped SET payload = '{"b": 15}' WHERE id = 15;
                UPDATE transaction_details SET user_id = user_id + 1 WHERE id = 16;
                UPDATE computed SET total = total + 1 WHERE id = 17;
                UPDATE computed SET full_name = 'F18' WHERE id = 18;
                DELETE FROM untouched WHERE id = 19;
                """);
        FerryRun changed = FerryRun.run("verify", "--config", config.toString());
        assertEquals(1, changed.exit(), changed.all());
        String out = changed.out();
        for (String expected : List.of("public.added: DIFFERENT, 1 row differs", "  different: id=11\n",
                "public.dropped: DIFFERENT, 1 row differs", "  different: id=12\n",
                "public.renamed: DIFFERENT, 1 row differs", "  different: id=13\n",
                "public.retyped: DIFFERENT, 2 rows differ", "  different: id=14\n", "  different: id=15\n",
                "public.transaction_details: DIFFERENT, 1 row differs", "  different: id=16\n",
                "public.computed: DIFFERENT, 2 rows differ", "  different: id=17\n", "  different: id=18\n",
                "public.untouched: DIFFERENT, 1 row differs", "  missing on target: id=19\n",
                "public.transactions: equal")) {
            assertTrue(out.contains(expected), expected + " in:\n" + changed.all());
        }
    }
}
