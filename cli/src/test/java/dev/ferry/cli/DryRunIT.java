package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DryRunIT {
    static PgServer source;

    @BeforeAll
    static void start() {
        source = Servers.source();
        source.execute("CREATE DATABASE app");
        source.execute("app", "CREATE TABLE people (id int PRIMARY KEY, name text, born date, tags text[]);"
                + "INSERT INTO people SELECT g, 'person ' || g, date '2000-01-01' + g, ARRAY['a,b', NULL] FROM generate_series(1, 50) g");
    }

    @AfterAll
    static void stop() {
        source.close();
    }

    private static String writes() {
        return source.queryValue("app", "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables "
                + "WHERE relname = 'people'") + "/" + source.queryValue("app", "SELECT count(*) FROM pg_tables "
                + "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')");
    }

    @Test
    void showsRealRowsBeforeAndAfterAndWritesNothing() {
        String before = writes();
        // An unreachable target proves the dry run never contacts it.
        FerryRun r = FerryRun.run("dry-run", "--source", source.uri("app"), "--target", "postgresql://x@127.0.0.1:1/none",
                "--table", "people", "--limit", "3");
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.out().contains("before  {id=1, name=person 1, born=2000-01-02, tags={\"a,b\",NULL}}"), r.all());
        assertTrue(r.out().contains("3 row(s) read, 0 filtered out, 0 rejected."), r.all());
        assertEquals(before, writes());
    }

    @Test
    void configuredTransformsShowTheirEffectFilteredRowsAndRejections(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path config = dir.resolve("ferry.yml");
        java.nio.file.Files.writeString(config, """
                transforms:
                  - type: rename-table
                    table: public.people
                    to: persons
                  - type: filter
                    table: public.persons
                    where: id != 2
                  - type: mask
                    table: public.persons
                    column: name
                    keep_last: 1
                  - type: change-type
                    table: public.persons
                    column: tags
                    to: jsonb
                """);
        FerryRun r = FerryRun.run("dry-run", "--config", config.toString(), "--source", source.uri("app"),
                "--table", "people", "--limit", "3");
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.out().contains("Dry run of public.people -> public.persons"), r.all());
        assertTrue(r.out().contains("after   (filtered out"), r.all());
        assertTrue(r.out().contains("REJECTED by change-type"), r.all());
        assertTrue(r.out().contains("3 row(s) read, 1 filtered out, 2 rejected."), r.all());
    }

    @Test
    void anUnknownTableIsNamed() {
        FerryRun r = FerryRun.run("dry-run", "--source", source.uri("app"), "--table", "nope");
        assertEquals(2, r.exit(), r.all());
        assertTrue(r.err().contains("table public.nope does not exist on the source"), r.all());
    }
}
