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
    void anUnknownTableIsNamed() {
        FerryRun r = FerryRun.run("dry-run", "--source", source.uri("app"), "--table", "nope");
        assertEquals(2, r.exit(), r.all());
        assertTrue(r.err().contains("table public.nope does not exist on the source"), r.all());
    }
}
