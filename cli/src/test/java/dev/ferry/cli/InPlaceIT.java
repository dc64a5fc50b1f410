package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * In place, on one server, with writes going on: {@code cars.id} goes from {@code int} to {@code bigint} while
 * {@code drivers.car_id} references it, a view reads it and a serial sequence feeds it.
 */
class InPlaceIT extends OneServer {
    @Test
    void anIntKeyReferencedByAForeignKeyBecomesBigintInPlaceUnderWrites() throws Exception {
        String db = "inplace";
        server.execute("CREATE DATABASE " + db);
        server.execute(db, "CREATE TABLE cars (id serial PRIMARY KEY, name text NOT NULL);"
                + "CREATE TABLE drivers (id serial PRIMARY KEY, car_id int NOT NULL REFERENCES cars (id), name text);"
                + "CREATE INDEX drivers_car ON drivers (car_id);"
                + "CREATE VIEW car_names AS SELECT id, name FROM cars;"
                + "CREATE VIEW driven AS SELECT d.name AS driver, c.name AS car FROM drivers d JOIN car_names c ON c.id = d.car_id;"
                + "COMMENT ON TABLE cars IS 'the fleet';"
                + "INSERT INTO cars (name) SELECT 'car ' || g FROM generate_series(1, 20000) g;"
                + "INSERT INTO drivers (car_id, name) SELECT g, 'driver ' || g FROM generate_series(1, 20000) g");
        Path config = tmp.resolve("ferry.yml");
        Files.writeString(config, "source: " + server.uri(db) + "\ntransforms:\n  - type: change-type\n"
                + "    table: public.cars\n    column: id\n    to: bigint\n");

        FerryRun check = FerryRun.run("check", "--config", config.toString(), "--in-place");
        System.out.println("check --in-place:\n" + check.all());
        assertTrue(check.all().contains("table public.drivers is rebuilt as ferry_shadow.drivers (foreign key"),
                "check names the referencing table: " + check.all());
        assertTrue(!check.out().contains("problem:"), check.all());

        Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger replanned = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        StringBuilder firstError = new StringBuilder();
        Thread[] writers = new Thread[3];
        for (int w = 0; w < writers.length; w++) {
            writers[w] = new Thread(() -> {
                try (Connection c = server.connect(db);
                     PreparedStatement car = c.prepareStatement("INSERT INTO cars (name) VALUES ('new') RETURNING id");
                     PreparedStatement driver = c.prepareStatement("INSERT INTO drivers (car_id, name) VALUES (?, 'd')")) {
                    c.setAutoCommit(false);
                    while (!stop.get()) {
                        try {
                            long id;
                            try (ResultSet rs = car.executeQuery()) {
                                rs.next();
                                id = rs.getLong(1);
                            }
                            driver.setLong(1, id);
                            driver.executeUpdate();
                            c.commit();
                            acknowledged.add(id);
                        } catch (SQLException e) {
                            c.rollback();
                            if (String.valueOf(e.getMessage()).contains("cached plan must not change result type")) {
                                // A statement prepared before the swap returns the old column type: PostgreSQL
                                // refuses it once, the transaction is rolled back (nothing acknowledged), and the
                                // driver prepares it again on the next execution.
                                replanned.incrementAndGet();
                                continue;
                            }
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
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--config", config.toString(),
                "--in-place", "--slot", "slot_inplace", "--progress", "log")) {
            ferry.awaitCaughtUp(server, server, db, Duration.ofSeconds(120));
            FerryRun verify = FerryRun.run("verify", "--config", config.toString(), "--in-place");
            System.out.println("verify --in-place:\n" + verify.all());
            assertEquals(0, verify.exit(), verify.all() + "\nferry:\n" + ferry.output());

            FerryRun status = FerryRun.run("status", "--config", config.toString(), "--in-place");
            System.out.println("status --in-place:\n" + status.all());
            assertEquals(0, status.exit(), status.all());
            FerryRun sw = FerryRun.run("switch", "--config", config.toString(), "--in-place", "--timeout", "30s");
            System.out.println("switch --in-place:\n" + sw.all());
            Thread.sleep(1000);
            stop.set(true);
            for (Thread t : writers) {
                t.join(10_000);
            }
            assertEquals(0, sw.exit(), sw.all() + "\nferry:\n" + ferry.output());
            System.out.println("acknowledged writes: " + acknowledged.size() + ", re-prepared statements: "
                    + replanned.get() + ", other client errors: " + errors.get()
                    + (errors.get() > 0 ? " (first: " + firstError + ")" : ""));
            assertEquals(0, errors.get(), "client errors during the run: " + firstError);
            assertTrue(acknowledged.size() > 200, "the writers wrote " + acknowledged.size());
        }
        assertEquals("bigint", server.queryValue(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'public.cars'::regclass AND attname = 'id'"));
        assertEquals("bigint", server.queryValue(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'public.drivers'::regclass AND attname = 'car_id'"));
        assertEquals("t", server.queryValue(db, "SELECT to_regclass('ferry_old.cars') IS NOT NULL"));
        assertEquals("the fleet", server.queryValue(db, "SELECT obj_description('public.cars'::regclass, 'pg_class')"));
        String missing = server.queryValue(db, "SELECT count(*) FROM unnest('{"
                + String.join(",", acknowledged.stream().map(String::valueOf).toList()) + "}'::bigint[]) a(id) "
                + "WHERE NOT EXISTS (SELECT 1 FROM cars c WHERE c.id = a.id) "
                + "OR NOT EXISTS (SELECT 1 FROM drivers d WHERE d.car_id = a.id)");
        assertEquals("0", missing, "every acknowledged write is in the new tables");
        assertEquals(server.queryValue(db, "SELECT count(*) FROM cars"), server.queryValue(db,
                "SELECT count(*) FROM car_names"), "the view reads the new table");
        assertEquals(server.queryValue(db, "SELECT count(*) FROM drivers"), server.queryValue(db,
                "SELECT count(*) FROM driven"), "the view over the view works");
        // The owned sequence goes on past the old maximum, and the foreign key takes such ids.
        server.execute(db, "SELECT setval('cars_id_seq', 3000000000)");
        String big = server.queryValue(db, "INSERT INTO cars (name) VALUES ('big') RETURNING id");
        assertTrue(Long.parseLong(big) > 3_000_000_000L, big);
        server.execute(db, "INSERT INTO drivers (car_id, name) VALUES (" + big + ", 'big driver')");
        assertEquals("cars.id", server.queryValue(db, "SELECT replace(pg_get_serial_sequence('cars', 'id'), "
                + "'public.cars_id_seq', 'cars.id')"));
        assertThrows(RuntimeException.class, () -> server.execute(db,
                "INSERT INTO drivers (car_id, name) VALUES (4000000000, 'no such car')"), "the foreign key holds");
        try (Connection c = server.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated "
                     + "AND conrelid = 'public.drivers'::regclass")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the foreign keys are validated");
        }

        FerryRun cleanup = FerryRun.run("cleanup", "--config", config.toString(), "--in-place", "--yes");
        System.out.println("cleanup --in-place:\n" + cleanup.all());
        assertEquals(0, cleanup.exit(), cleanup.all());
        assertEquals("f", server.queryValue(db, "SELECT to_regclass('ferry_old.cars') IS NOT NULL"));
        assertEquals("t", server.queryValue(db, "SELECT to_regclass('public.cars_id_seq') IS NOT NULL"),
                "the sequence, owned by the new column, outlives ferry_old");
        server.execute(db, "INSERT INTO cars (name) VALUES ('after cleanup')");
    }

    @Test
    void aLongReaderMakesTheSwapGiveUpNamingItAndNothingChanges() throws Exception {
        String db = "inplace_reader";
        server.execute("CREATE DATABASE " + db);
        server.execute(db, "CREATE TABLE cars (id serial PRIMARY KEY, name text NOT NULL);"
                + "INSERT INTO cars (name) SELECT 'car ' || g FROM generate_series(1, 1000) g");
        Path config = tmp.resolve("ferry.yml");
        Files.writeString(config, "source: " + server.uri(db) + "\ntransforms:\n  - type: change-type\n"
                + "    table: public.cars\n    column: id\n    to: bigint\n");
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--config", config.toString(),
                "--in-place", "--slot", "slot_reader", "--progress", "log");
             Connection reader = server.connect(db)) {
            ferry.awaitCaughtUp(server, server, db, Duration.ofSeconds(120));
            reader.setAutoCommit(false);
            String pid;
            try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT pg_backend_pid(), count(*) FROM cars")) {
                rs.next();
                pid = rs.getString(1);
            }
            FerryRun sw = FerryRun.run("switch", "--config", config.toString(), "--in-place", "--timeout", "20s");
            System.out.println("switch --in-place against a long reader:\n" + sw.all());
            assertTrue(sw.exit() != 0, sw.all());
            assertTrue(sw.all().contains(pid), "the reader's pid is named: " + sw.all());
            reader.rollback();
            assertEquals("integer", server.queryValue(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                    + "WHERE attrelid = 'public.cars'::regclass AND attname = 'id'"));
            server.execute(db, "INSERT INTO cars (name) VALUES ('still writable')");
            FerryRun again = FerryRun.run("switch", "--config", config.toString(), "--in-place", "--timeout", "20s");
            System.out.println("switch --in-place again:\n" + again.all());
            assertEquals(0, again.exit(), again.all() + "\nferry:\n" + ferry.output());
        }
        assertEquals("bigint", server.queryValue(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'public.cars'::regclass AND attname = 'id'"));
        assertEquals("1", server.queryValue(db, "SELECT count(*) FROM cars WHERE name = 'still writable'"));
    }

    @Test
    void aPartitionReshapedWithoutItsTreeIsRefusedBeforeAnythingIsBuilt() throws Exception {
        String db = "inplace_partitioned";
        server.execute("CREATE DATABASE " + db);
        server.execute(db, "CREATE TABLE trips (id int NOT NULL, day date NOT NULL, PRIMARY KEY (id, day)) "
                + "PARTITION BY RANGE (day);"
                + "CREATE TABLE trips_2026 PARTITION OF trips FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
        Path config = tmp.resolve("ferry.yml");
        Files.writeString(config, "source: " + server.uri(db) + "\ntransforms:\n  - type: change-type\n"
                + "    table: public.trips_2026\n    column: id\n    to: bigint\n");
        for (String[] command : new String[][] {{"check"}, {"start", "--slot", "slot_partitioned"}}) {
            FerryRun r = FerryRun.run(java.util.stream.Stream.concat(java.util.Arrays.stream(command),
                    java.util.stream.Stream.of("--config", config.toString(), "--in-place")).toArray(String[]::new));
            System.out.println(command[0] + " --in-place on a partition alone:\n" + r.all());
            assertTrue(r.exit() != 0, r.all());
            assertTrue(r.all().contains("table public.trips_2026 is a partition of public.trips, and in place a "
                    + "partition tree is rebuilt whole: configure the transform for public.trips (it reaches every "
                    + "partition)"), r.all());
        }
        assertEquals("f", server.queryValue(db, "SELECT to_regnamespace('ferry_shadow') IS NOT NULL"), "nothing was built");
        assertEquals("0", server.queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_partitioned'"));
    }

    @Test
    void keptReferencesAreRepointedWithoutDeadlockWhileChildrenAreWritten() throws Exception {
        String db = "inplace_keep";
        server.execute("CREATE DATABASE " + db);
        server.execute(db, "CREATE TABLE cars (id serial PRIMARY KEY, name text NOT NULL);"
                + "CREATE TABLE drivers (id serial PRIMARY KEY, car_id int NOT NULL REFERENCES cars (id), name text);"
                + "INSERT INTO cars (name) SELECT 'car ' || g FROM generate_series(1, 5000) g;"
                + "INSERT INTO drivers (car_id, name) SELECT g, 'driver ' || g FROM generate_series(1, 5000) g");
        Path config = tmp.resolve("ferry.yml");
        Files.writeString(config, "source: " + server.uri(db) + "\ntransforms:\n  - type: change-type\n"
                + "    table: public.cars\n    column: id\n    to: bigint\n");
        // drivers stays as it is (--keep-references): the swap re-points its key, so it locks drivers too. Some writers
        // insert a car and then its driver, others only a driver of an existing car (whose key check reads cars).
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger written = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        StringBuilder firstError = new StringBuilder();
        Thread[] writers = new Thread[4];
        for (int w = 0; w < writers.length; w++) {
            boolean carFirst = w % 2 == 0;
            writers[w] = new Thread(() -> {
                try (Connection c = server.connect(db); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    while (!stop.get()) {
                        try {
                            if (carFirst) {
                                s.execute("INSERT INTO cars (name) VALUES ('new')");
                                s.execute("INSERT INTO drivers (car_id, name) VALUES (currval('cars_id_seq'), 'new')");
                            } else {
                                s.execute("INSERT INTO drivers (car_id, name) VALUES (1 + (random() * 4999)::int, 'alone')");
                            }
                            c.commit();
                            written.incrementAndGet();
                        } catch (SQLException e) {
                            c.rollback();
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
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--config", config.toString(),
                "--in-place", "--keep-references", "--slot", "slot_keep", "--progress", "log")) {
            ferry.awaitCaughtUp(server, server, db, Duration.ofSeconds(120));
            FerryRun sw = FerryRun.run("switch", "--config", config.toString(), "--in-place", "--keep-references",
                    "--timeout", "30s");
            System.out.println("switch --in-place --keep-references:\n" + sw.all());
            Thread.sleep(1000);
            stop.set(true);
            for (Thread t : writers) {
                t.join(10_000);
            }
            assertEquals(0, sw.exit(), sw.all() + "\nferry:\n" + ferry.output());
            System.out.println("transactions written: " + written.get() + ", client errors: " + errors.get()
                    + (errors.get() > 0 ? " (first: " + firstError + ")" : ""));
            assertEquals(0, errors.get(), "client errors (a deadlock at the swap among them): " + firstError);
        }
        assertEquals("integer", server.queryValue(db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                + "WHERE attrelid = 'public.drivers'::regclass AND attname = 'car_id'"), "drivers was kept");
        assertEquals("cars", server.queryValue(db, "SELECT confrelid::regclass::text FROM pg_constraint "
                + "WHERE contype = 'f' AND conrelid = 'public.drivers'::regclass AND convalidated"),
                "the kept key points at the new table, validated");
    }
}
