package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Column names that differ only by case: Debezium 3.6 refuses such a table, so {@code check} names it before
 * anything is created, and a table like it elsewhere in the database no longer stops the stream of the others.
 * Also: {@code check} no longer warns about the types whose streamed values Debezium used to alter.
 */
class CaseOnlyColumnsIT {

    @Test
    void checkNamesTheTableAndItsTwoColumnsAndTheStreamIgnoresSuchATableItDoesNotMigrate(@TempDir Path tmp)
            throws Exception {
        try (ServerPair pair = ServerPair.start()) {
            pair.source().execute("CREATE TABLE shifts (id int PRIMARY KEY, starts timetz, flags varbit, doc xml, "
                    + "n numeric[]); CREATE TABLE people (id int PRIMARY KEY, \"Name\" text, name text)");
            FerryRun r = FerryRun.run("check", "--source", pair.source().uri(), "--target", pair.target().uri());
            assertEquals(1, r.exit(), r.all());
            assertTrue(r.out().contains("table public.people has columns \"Name\" and \"name\" whose names differ only by "
                    + "case, which the stream cannot carry"), r.all());
            assertFalse(r.out().contains("shifts.starts") || r.out().contains("shifts.flags")
                    || r.out().contains("shifts.doc") || r.out().contains("shifts.n "), r.all());

            try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source",
                    pair.source().uri(), "--target", pair.target().uri(), "--tables", "shifts")) {
                ferry.awaitCaughtUp(pair.source(), pair.target(), "postgres", Duration.ofSeconds(90));
                pair.source().execute("INSERT INTO shifts VALUES (1, '10:00+05', B'0100', '<a/>', '{NaN,1}');"
                        + "INSERT INTO people VALUES (1, 'x', 'y')");
                ferry.awaitCaughtUp(pair.source(), pair.target(), "postgres", Duration.ofSeconds(90));
                String q = "SELECT t::text FROM shifts t ORDER BY id";
                assertEquals(List.of(List.of("(1,10:00:00+05,0100,<a/>,\"{NaN,1}\")")), pair.target().query("postgres", q),
                        ferry.output());
                assertFalse(ferry.output().contains("differ only by case"), ferry.output());
            }
        }
    }
}
