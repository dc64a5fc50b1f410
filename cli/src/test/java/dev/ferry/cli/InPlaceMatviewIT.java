package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * In place, materialized views (docs/design.md, "In place"): one whose query takes two seconds is built over the
 * shadow before the fence, so writes are held far less than that, and after the swap it, the one over it and the view
 * over it read the new table.
 */
class InPlaceMatviewIT extends OneServer {
    @Test
    void aSlowMaterializedViewIsBuiltOverTheShadowBeforeTheFenceAndMovedInPlace() throws Exception {
        String db = "inplace_matview";
        server.execute("CREATE DATABASE " + db);
        server.execute(db, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mv_reader') THEN "
                + "CREATE ROLE mv_reader; END IF; END $$;"
                + "CREATE TABLE cars (id serial PRIMARY KEY, name text NOT NULL);"
                + "INSERT INTO cars (name) SELECT 'car ' || g FROM generate_series(1, 20000) g;"
                // Two seconds whatever the rows: longer than any window this test accepts.
                + "CREATE MATERIALIZED VIEW car_buckets AS SELECT c.id % 10 AS bucket, count(*) AS n, max(c.id) AS top "
                + "FROM cars c CROSS JOIN (SELECT pg_sleep(2)) AS slow GROUP BY 1;"
                + "CREATE UNIQUE INDEX car_buckets_bucket ON car_buckets (bucket);"
                + "COMMENT ON MATERIALIZED VIEW car_buckets IS 'cars by bucket';"
                + "GRANT SELECT ON car_buckets TO mv_reader;"
                + "CREATE MATERIALIZED VIEW car_top AS SELECT max(top) AS top FROM car_buckets;"
                + "CREATE VIEW bucket_list AS SELECT bucket, n FROM car_buckets;"
                // Over a plain view over the table: that view is built over the shadow beforehand too.
                + "CREATE VIEW car_names AS SELECT id, name FROM cars;"
                + "CREATE MATERIALIZED VIEW name_count AS SELECT count(*) AS n FROM car_names;"
                // Its replacement's name is taken by the shadow table: it is rebuilt inside the window, as before.
                + "CREATE SCHEMA report; CREATE MATERIALIZED VIEW report.cars AS SELECT count(*) AS n FROM public.cars;"
                // Named as public.car_top: the first one's replacement takes the name, the other is built in the window.
                + "CREATE MATERIALIZED VIEW report.car_top AS SELECT max(id) AS top FROM public.cars");
        Path config = tmp.resolve("ferry.yml");
        Files.writeString(config, "source: " + server.uri(db) + "\ntransforms:\n  - type: change-type\n"
                + "    table: public.cars\n    column: id\n    to: bigint\n");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger errors = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        StringBuilder firstError = new StringBuilder();
        Thread[] writers = new Thread[2];
        for (int w = 0; w < writers.length; w++) {
            String prefix = "w" + w + "-";
            writers[w] = new Thread(() -> {
                try (Connection c = server.connect(db);
                     PreparedStatement car = c.prepareStatement("INSERT INTO cars (name) VALUES (?)")) {
                    for (int i = 0; !stop.get(); i++) {
                        try {
                            car.setString(1, prefix + i);
                            car.executeUpdate();
                            acknowledged.add(prefix + i);
                        } catch (SQLException e) {
                            if (errors.getAndIncrement() == 0) {
                                synchronized (firstError) {
                                    firstError.append(e.getMessage());
                                }
                            }
                        }
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                    synchronized (firstError) {
                        firstError.append(e);
                    }
                }
            });
            writers[w].start();
        }
        FerryRun sw;
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--config", config.toString(),
                "--in-place", "--slot", "slot_matview", "--progress", "log")) {
            ferry.awaitCaughtUp(server, server, db, Duration.ofSeconds(120));
            sw = FerryRun.run("switch", "--config", config.toString(), "--in-place", "--timeout", "30s");
            System.out.println("switch --in-place with materialized views:\n" + sw.all());
            Thread.sleep(500);
            stop.set(true);
            for (Thread t : writers) {
                t.join(10_000);
            }
            assertEquals(0, sw.exit(), sw.all() + "\nferry:\n" + ferry.output());
        }
        assertEquals(0, errors.get(), "client errors during the run: " + firstError);
        Matcher built = Pattern.compile("materialized view public.car_buckets was built over the shadow tables before "
                + "the fence in (\\d+) ms").matcher(sw.out());
        assertTrue(built.find(), sw.all());
        assertTrue(Long.parseLong(built.group(1)) >= 2000, "its query sleeps two seconds: " + sw.out());
        assertTrue(sw.out().contains("materialized view public.name_count was built over the shadow tables"), sw.out());
        assertTrue(sw.out().contains("materialized view report.cars is rebuilt inside the window, since building it "
                + "over the shadow tables failed"), sw.out());
        assertTrue(sw.out().contains("materialized view public.car_top is rebuilt inside the window, since its name "
                + "in ferry_shadow is taken by the replacement of report.car_top"), sw.out());
        Matcher held = Pattern.compile("writes were held for (\\d+) ms").matcher(sw.out());
        assertTrue(held.find(), sw.out());
        assertTrue(Long.parseLong(held.group(1)) < 1000, "writes were held for less than the view's query: "
                + sw.out());

        assertEquals("bigint", server.queryValue(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'public.car_buckets'::regclass AND attname = 'top'"), "it reads the new table");
        assertEquals("t", server.queryValue(db, "SELECT relispopulated FROM pg_class WHERE oid = "
                + "'public.car_buckets'::regclass"));
        int before = Integer.parseInt(server.queryValue(db, "SELECT sum(n) FROM car_buckets"));
        assertTrue(before >= 20000, "populated when built: " + before);
        assertEquals("car_buckets_bucket", server.queryValue(db, "SELECT indexrelid::regclass::text FROM "
                + "pg_index WHERE indrelid = 'public.car_buckets'::regclass AND indisunique"));
        assertEquals("cars by bucket", server.queryValue(db, "SELECT obj_description('public.car_buckets'::regclass, "
                + "'pg_class')"));
        assertEquals("t", server.queryValue(db, "SELECT has_table_privilege('mv_reader', 'public.car_buckets', "
                + "'SELECT')"));
        assertEquals(server.queryValue(db, "SELECT max(top) FROM car_buckets"), server.queryValue(db,
                "SELECT top FROM car_top"), "the materialized view over it reads the new one");
        assertEquals("10", server.queryValue(db, "SELECT count(*) FROM bucket_list"));
        assertEquals(server.queryValue(db, "SELECT count(*) FROM cars"), server.queryValue(db,
                "SELECT count(*) FROM car_names"), "the view it reads was moved in and reads the new table");
        assertTrue(Long.parseLong(server.queryValue(db, "SELECT n FROM name_count")) >= 20000);
        assertEquals(server.queryValue(db, "SELECT count(*) FROM ferry_old.cars"), server.queryValue(db,
                "SELECT n FROM report.cars"), "the one rebuilt inside the window holds the rows as of the swap");
        assertEquals("bigint", server.queryValue(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'report.car_top'::regclass AND attname = 'top'"));

        server.execute(db, "REFRESH MATERIALIZED VIEW CONCURRENTLY car_buckets");
        assertEquals(server.queryValue(db, "SELECT count(*) FROM cars"), server.queryValue(db,
                "SELECT sum(n) FROM car_buckets"), "a refresh reads the new table, with the writes since the build");
        String missing = server.queryValue(db, "SELECT count(*) FROM unnest('{" + String.join(",", acknowledged)
                + "}'::text[]) a(name) WHERE NOT EXISTS (SELECT 1 FROM cars c WHERE c.name = a.name)");
        assertEquals("0", missing, "every acknowledged write is in the new table");

        FerryRun cleanup = FerryRun.run("cleanup", "--config", config.toString(), "--in-place", "--yes");
        assertEquals(0, cleanup.exit(), cleanup.all());
        assertEquals("0", server.queryValue(db, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON "
                + "n.oid = c.relnamespace WHERE n.nspname IN ('ferry_shadow', 'ferry_old')"), "cleanup left nothing");
        assertEquals("0", server.queryValue(db, "SELECT count(*) FROM pg_namespace WHERE nspname IN "
                + "('ferry_shadow', 'ferry_old')"));
        server.execute(db, "REFRESH MATERIALIZED VIEW car_top");
        server.execute(db, "REFRESH MATERIALIZED VIEW car_buckets");
        assertEquals(server.queryValue(db, "SELECT count(*) FROM cars"), server.queryValue(db,
                "SELECT sum(n) FROM bucket_list"), "the views outlive ferry_old");
    }
}
