package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.PgServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The snapshot's fixed cost, counted rather than timed (docs/design.md, "Snapshot speed"): the connections Ferry
 * opens and the statements it runs on each server for one small table with a few objects around it, read from the
 * servers' own logs ({@code log_connections}, {@code log_statement = all}). A full read of the object catalog is
 * recognised by one statement it runs once (the event triggers it names as left out).
 */
class FixedCostIT extends SnapshotServers {
    private static final String DB = "fixedcost";

    @Test
    void objectCatalogReadOnceOnTheSourceAndTwiceOnTheTarget() throws Exception {
        for (PgServer s : List.of(servers.source(), servers.target())) {
            s.execute("ALTER SYSTEM SET logging_collector = on; ALTER SYSTEM SET log_filename = 'fixedcost.log'; "
                    + "ALTER SYSTEM SET log_line_prefix = '%m [%p] db=%d '; ALTER SYSTEM SET log_connections = on");
            s.restart();
        }
        createDatabases(DB);
        servers.source().execute(DB, """
                CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric);
                INSERT INTO items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 1000) g;
                CREATE INDEX items_name ON items (name);
                CREATE FUNCTION price_of(int) RETURNS numeric LANGUAGE sql AS 'SELECT price FROM public.items WHERE id = $1';
                CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10;
                COMMENT ON TABLE items IS 'things for sale';
                """);
        for (PgServer s : List.of(servers.source(), servers.target())) {
            s.execute("ALTER DATABASE " + DB + " SET log_statement = 'all'");
        }
        long[] src0 = counts(servers.source());
        long[] tgt0 = counts(servers.target());
        FerryRun r = snapshot(DB, "--jobs", "1");
        assertEquals(0, r.exit(), r.all());
        long[] src = minus(counts(servers.source()), src0);
        long[] tgt = minus(counts(servers.target()), tgt0);
        System.out.printf("fixed cost: source %d connections, %d statements, %d object catalog reads; "
                + "target %d connections, %d statements, %d object catalog reads%n",
                src[0], src[1], src[2], tgt[0], tgt[1], tgt[2]);
        assertEquals("t", servers.target().queryValue(DB, "SELECT count(*) = 1000 FROM items"));
        // Source: the read under the snapshot only (the early refusal sees in two queries that the target has every
        // role the objects can name); target: the first schema step and the owners at the end (the table has no
        // sequence and no type of its own, so nothing is created between the schema steps).
        assertTrue(src[2] <= 1 && tgt[2] <= 2, "object catalog reads: source " + src[2] + ", target " + tgt[2]);
        // Source: the snapshot's, the slot's (replication) and one copy worker's; target: the state store's, the
        // snapshot's own steps' (which the index builder's settings read and foreign keys use too), one copy
        // worker's and one build's. No large objects, so no connections for their pass.
        assertTrue(src[0] <= 3 && tgt[0] <= 4, "connections: source " + src[0] + ", target " + tgt[0]);
    }

    private static long[] minus(long[] a, long[] b) {
        return new long[] {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
    }

    /** Connections, statements and object catalog reads logged so far in the test's database. */
    private static long[] counts(PgServer s) throws IOException {
        Path log = s.dataDir().resolve("log").resolve("fixedcost.log");
        long connections = 0;
        long statements = 0;
        long reads = 0;
        if (Files.exists(log)) {
            try (Stream<String> lines = Files.lines(log)) {
                for (String l : (Iterable<String>) lines::iterator) {
                    if (!l.contains(" db=" + DB + " ")) {
                        continue;
                    }
                    if (l.contains("connection authorized")) {
                        connections++;
                    } else if (l.contains("LOG:  statement: ") || l.contains("LOG:  execute ")) {
                        statements++;
                        if (l.contains("quote_ident(evtname) FROM pg_event_trigger")) {
                            reads++;
                        }
                    }
                }
            }
        }
        return new long[] {connections, statements, reads};
    }
}
