package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of a real {@code ferry switch --in-place} at a random moment under writes (issue 16: the swap is
 * "safe if killed"): before the fence, while the fence waits for the drain, inside the swap transaction, and after
 * its commit (validating the foreign keys, finishing). After each kill the database is either swapped entirely
 * ({@code cars} and {@code drivers} are the {@code bigint} tables, the originals in {@code ferry_old}) or not at all
 * (originals untouched, shadows there, the stream still running), writers go on within seconds, and re-running
 * {@code ferry switch --in-place} completes it. At the end every acknowledged write is in the new tables exactly
 * once, nothing unattempted is there, the views and foreign keys work (validated), the sequence goes past the old
 * maximum, and {@code cleanup --in-place} leaves no slot or publication. Two runs, three kills each (each kills
 * the previous one's re-run); in one the stream ({@code ferry start --in-place}) is killed and started again too. The seed is
 * printed; pass it back with {@code -Dferry.inplacekill.seed=N} to repeat a run's moments. A keyless child,
 * {@code car_log} (replica identity full, rebuilt since it references the widened key), gets two identical rows
 * with a TOASTed note per car, before and during the run: each car ends with exactly its two, note intact.
 */
class InPlaceSwitchKillIT extends OneServer {
    /** Where a round kills the switch. */
    enum KillAt { BEFORE_FENCE, FENCING, DRAINING, IN_SWAP, AFTER_COMMIT, VALIDATING }

    static final int ROWS = 5000;
    /** The first cars that have their two car_log rows from the start. */
    static final int LOGGED = 200;

    /** A car's note: 6.4 kB of hex from its name, compressed past the TOAST threshold still (stored out of line). */
    static String note(String nameExpr) {
        return "(SELECT string_agg(md5(" + nameExpr + " || i), '') FROM generate_series(1, 200) i)";
    }

    @Test
    void aSwitchInPlaceKilledAtRandomMomentsIsNeverHalfDoneNeverBlocksWritersAndLosesNoWrite() throws Exception {
        long seed = Long.getLong("ferry.inplacekill.seed", System.nanoTime());
        Random random = new Random(seed);
        List<KillAt> order = new ArrayList<>(List.of(KillAt.values()));
        Collections.shuffle(order, random);
        StringBuilder report = new StringBuilder("InPlaceSwitchKillIT seed " + seed + "\n");
        System.out.println("InPlaceSwitchKillIT seed " + seed + " (repeat with -Dferry.inplacekill.seed=" + seed + ")");
        try {
            // Two runs of three kills each (a snapshot costs more than a kill): each kills the previous one's re-run,
            // in the order of the moments.
            for (int i = 0; i < 2; i++) {
                List<KillAt> kills = new ArrayList<>(order.subList(3 * i, 3 * i + 3));
                Collections.sort(kills);
                round("ipk" + i, kills, i == 0, random, report);
            }
        } finally {
            System.out.println(report);
        }
    }

    /**
     * One fresh run: the switch started and killed at each moment in turn, each kill checked, then re-run to the end.
     *
     * @param killStream also kill -9 the stream once, at a random moment after the first kill, and start it again
     */
    private void round(String db, List<KillAt> kills, boolean killStream, Random random, StringBuilder report)
            throws Exception {
        server.execute("CREATE DATABASE " + db);
        server.execute(db, "CREATE TABLE cars (id serial PRIMARY KEY, name text NOT NULL);"
                + "CREATE TABLE drivers (id serial PRIMARY KEY, car_id int NOT NULL REFERENCES cars (id), name text);"
                + "CREATE INDEX drivers_car ON drivers (car_id);"
                + "CREATE VIEW car_names AS SELECT id, name FROM cars;"
                + "INSERT INTO cars (name) SELECT 'car ' || g FROM generate_series(1, " + ROWS + ") g;"
                + "INSERT INTO drivers (car_id, name) SELECT g, 'car ' || g FROM generate_series(1, " + ROWS + ") g;"
                + "CREATE TABLE car_log (car_id int NOT NULL REFERENCES cars (id), note text);"
                + "ALTER TABLE car_log REPLICA IDENTITY FULL;"
                + "INSERT INTO car_log SELECT g, " + note("'car ' || g") + " FROM generate_series(1, " + LOGGED
                + ") g, generate_series(1, 2)");
        long oldMax = ROWS;
        Path config = tmp.resolve(db + ".yml");
        Files.writeString(config, "source: " + server.uri(db) + "\ntransforms:\n  - type: change-type\n"
                + "    table: public.cars\n    column: id\n    to: bigint\n");
        String cfg = config.toString();
        Writers writers = new Writers(db);
        String context = db + " killed " + kills;
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve(db + "-start.log"), "start", "--config", cfg,
                "--in-place", "--slot", "slot_" + db, "--progress", "log")) {
            writers.start(3);
            ferry.awaitCaughtUp(server, server, db, Duration.ofSeconds(120));
            String shadowOid = server.queryValue(db, "SELECT 'ferry_shadow.cars'::regclass::oid::text");
            StringBuilder killed = new StringBuilder();
            for (KillAt at : kills) {
                RunningFerry sw;
                String moment;
                boolean swappedBefore = swapped(db, context);
                try (Connection poll = server.connect(db)) {
                    // A --then hook keeps the switch in its traffic step, after the commit, long enough to be killed
                    // there every time (the steps after the commit take milliseconds otherwise).
                    List<String> args = new ArrayList<>(List.of("switch", "--config", cfg, "--in-place", "--timeout",
                            "30s"));
                    if (at == KillAt.AFTER_COMMIT) {
                        args.addAll(List.of("--then", "sleep 1"));
                    }
                    sw = RunningFerry.start(tmp.resolve(db + "-switch-" + at + ".log"), args.toArray(String[]::new));
                    moment = awaitMoment(poll, at, swappedBefore, sw, shadowOid, random);
                    sw.kill();
                }
                long killedAt = System.nanoTime();
                String here = db + " killed " + at + " (" + moment + ", recorded " + server.queryValue(db,
                        "SELECT coalesce((SELECT state FROM ferry.switch), 'nothing')") + ")";
                killed.append(here).append(", killed switch printed: ").append(sw.output()).append('\n');

                // Never half: either everything moved or nothing did.
                boolean swapped = swapped(db, here);
                report.append(here).append(": ").append(swapped ? "swapped" : "not swapped");

                // Writers are not blocked: they go on, and a fresh write succeeds, within seconds of the kill.
                int before = writers.acknowledged.size();
                String probe = writers.probe(Duration.ofSeconds(10));
                assertTrue(probe == null, here + ": a write right after the kill failed or waited over 10 s: " + probe
                        + "\n" + locks(db));
                awaitOrFail(here + ": the writers to commit again after the kill", Duration.ofSeconds(15),
                        () -> writers.acknowledged.size() >= before + 3, () -> locks(db) + writers.firstError());
                report.append(", writers went on ").append((System.nanoTime() - killedAt) / 1_000_000)
                        .append(" ms after");
                String status = switchLine(cfg);
                report.append(", status: ").append(status).append('\n');
                // What the status line offers: --abort undoes an attempt that swapped nothing and refuses a swap.
                if (swapped || random.nextBoolean()) {
                    FerryRun abort = FerryRun.run("switch", "--config", cfg, "--in-place", "--abort");
                    report.append("  --abort: ").append(abort.out().strip()).append('\n');
                    assertEquals(0, abort.exit(), here + ": " + abort.all());
                    assertEquals(swapped, swapped(db, here), here + ": --abort changed the tables: " + abort.all());
                    if (swapped) {
                        assertTrue(abort.out().contains("cannot be undone") || abort.out().contains("cannot undo"),
                                here + ": --abort after the swap: " + abort.all());
                    }
                }
                if (swapped) {
                    String oldWrite = null;
                    try {
                        server.execute(db, "INSERT INTO ferry_old.cars (name) VALUES ('into the old table')");
                    } catch (RuntimeException e) {
                        oldWrite = String.valueOf(e.getMessage());
                    }
                    assertTrue(oldWrite != null && oldWrite.contains("has moved"), here + ": the old table took a "
                            + "write: " + oldWrite);
                } else {
                    assertTrue(status.startsWith("not switched"), here + ": status after a kill that swapped nothing: "
                            + status);
                    assertTrue(ferry.alive(), here + ": the stream stopped although nothing was swapped:\n"
                            + ferry.output());
                    if (killStream) {
                        killStream = false;
                        Thread.sleep(random.nextInt(1500));
                        ferry.kill();
                        ferry.restart();
                        ferry.awaitCaughtUp(server, server, db, Duration.ofSeconds(120));
                        report.append(db).append(": the stream killed and started again, caught up\n");
                    }
                }
            }

            // A user runs the switch again until it says it is done.
            List<String> reruns = new ArrayList<>();
            FerryRun again = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                again = FerryRun.run("switch", "--config", cfg, "--in-place", "--timeout", "30s");
                reruns.add(again.all());
                if (again.exit() == 0) {
                    break;
                }
                Thread.sleep(1000);
            }
            assertEquals(0, again.exit(), context + ": the re-run of the switch failed " + reruns.size()
                    + " time(s):\n" + String.join("\n---\n", reruns) + "\n" + killed + "\nferry start:\n"
                    + ferry.output());
            report.append(db).append(" re-run (").append(reruns.size()).append(" attempt(s)): ")
                    .append(again.out().strip().replace('\n', ' ')).append('\n');
            assertTrue(switchLine(cfg).startsWith("switched"), context + ": status after the re-run: " + switchLine(cfg));
            assertTrue(swapped(db, context), context + ": not swapped after the re-run said so:\n" + again.all());
            ferry.await("ferry start to stop at the switch", Duration.ofSeconds(30), () -> !ferry.alive(), true);
            assertTrue(ferry.output().contains("switched over"), context + ": " + ferry.output());
            Thread.sleep(500); // writes after the swap, through the new tables
            writers.stop();
            assertEquals("", writers.unexpectedErrors(), context + ": client errors other than re-prepared statements");
            assertTrue(writers.acknowledged.size() > 50, context + ": the writers wrote " + writers.acknowledged.size());
        } finally {
            writers.stop();
        }
        assertEveryWriteOnce(db, writers, context);
        assertWorksAfterTheSwap(db, oldMax, context);
        FerryRun cleanup = FerryRun.run("cleanup", "--config", cfg, "--in-place", "--yes");
        assertEquals(0, cleanup.exit(), context + ": " + cleanup.all());
        assertEquals("0", server.queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE database = "
                + "current_database()"), context + ": a slot is left after cleanup");
        assertEquals("0", server.queryValue(db, "SELECT count(*) FROM pg_publication"),
                context + ": a publication is left after cleanup");
        assertEquals("f", server.queryValue(db, "SELECT to_regclass('ferry_old.cars') IS NOT NULL"));
        server.execute(db, "INSERT INTO cars (name) VALUES ('after cleanup')");
    }

    /**
     * Waits for the moment to kill at, then a random bit more; returns what it waited for. The switch's recorded
     * state ({@code ferry.switch}) marks the fence, the drain, the commit and the end; the swap is seen as the
     * switch's ACCESS EXCLUSIVE lock on the shadow table, granted only in the fence transaction just before the
     * swap's statements. Polled on one open connection, about every millisecond: the window lasts ~100 ms here.
     */
    private static String awaitMoment(Connection poll, KillAt at, boolean swappedBefore, RunningFerry sw,
                                      String shadowOid, Random random) throws InterruptedException {
        if (swappedBefore) {
            // The recorded state is already past every moment: kill it while it finishes (JVM start, validation).
            long ms = 800 + random.nextInt(3000);
            Thread.sleep(ms);
            return "already swapped, after " + ms + " ms";
        }
        long extra = switch (at) {
            case BEFORE_FENCE -> 300 + random.nextInt(2500);
            case FENCING -> random.nextInt(30);
            case DRAINING -> random.nextInt(60);
            case IN_SWAP -> random.nextInt(8);
            case AFTER_COMMIT -> random.nextInt(800);
            case VALIDATING -> random.nextInt(25);
        };
        if (at == KillAt.BEFORE_FENCE) {
            Thread.sleep(extra);
            return "after " + extra + " ms";
        }
        List<String> wanted = switch (at) {
            case FENCING -> List.of("fencing", "draining", "protected", "traffic", "done");
            case DRAINING -> List.of("draining", "protected", "traffic", "done");
            case IN_SWAP -> List.of("protected", "traffic", "done");
            case AFTER_COMMIT -> List.of("traffic", "done");
            case VALIDATING -> List.of("done");
            default -> throw new IllegalStateException();
        };
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String seen = null;
        while (seen == null && System.nanoTime() < deadline && sw.alive()) {
            String state = query(poll, "SELECT coalesce((SELECT state FROM ferry.switch), 'none')");
            if (at == KillAt.IN_SWAP && "t".equals(query(poll, "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = "
                    + shadowOid + " AND mode = 'AccessExclusiveLock' AND granted)"))) {
                seen = "swap lock held";
            } else if (wanted.contains(state)) {
                seen = state + (at == KillAt.IN_SWAP ? " (swap lock not seen)" : "");
            } else {
                Thread.sleep(1);
            }
        }
        assertTrue(seen != null, "the switch never reached " + at + " (state " + query(poll, "SELECT state FROM "
                + "ferry.switch") + ", alive " + sw.alive() + "):\n" + sw.output());
        Thread.sleep(extra);
        return seen + " +" + extra + " ms";
    }

    /** A query that may fail while tables move (or before the switch recorded anything): null then. */
    private static String query(Connection c, String sql) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            return null;
        }
    }

    /** True when swapped, false when untouched; fails on anything in between. */
    private static boolean swapped(String db, String context) {
        String shape = server.queryValue(db, "SELECT concat_ws(' ', "
                + "(SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.cars'::regclass "
                + "AND attname = 'id'), "
                + "(SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.drivers'::regclass "
                + "AND attname = 'car_id'), "
                + "to_regclass('ferry_old.cars') IS NOT NULL, to_regclass('ferry_old.drivers') IS NOT NULL, "
                + "to_regclass('ferry_shadow.cars') IS NOT NULL, to_regclass('ferry_shadow.drivers') IS NOT NULL, "
                + "(SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.car_names'::regclass "
                + "AND attname = 'id'), "
                + "(SELECT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
                + "AND conrelid = 'public.drivers'::regclass))");
        if (shape.equals("bigint bigint t t f f bigint cars")) {
            return true;
        }
        assertEquals("integer integer f f t t integer cars", shape, context + ": the database is half swapped "
                + "(cars.id, drivers.car_id, ferry_old.cars, ferry_old.drivers, ferry_shadow.cars, ferry_shadow.drivers, "
                + "car_names.id, the table drivers' key references)");
        return false;
    }

    /** The switch line of {@code ferry status --in-place}. */
    private static String switchLine(String cfg) {
        FerryRun st = FerryRun.run("status", "--config", cfg, "--in-place");
        for (String line : st.out().split("\n")) {
            if (line.startsWith("switch ")) {
                return line.substring("switch".length()).strip();
            }
        }
        throw new AssertionError("no switch line in status: " + st.all());
    }

    private static String locks(String db) {
        return "locks now: " + server.query(db, "SELECT l.pid, a.application_name, a.state, l.relation::regclass, l.mode, "
                + "l.granted FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.relation IS NOT NULL "
                + "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                + "AND l.relation::regclass::text NOT LIKE 'pg_%'") + "\n";
    }

    private static void awaitOrFail(String what, Duration timeout, BooleanSupplier condition,
                                    java.util.function.Supplier<String> detail) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out after " + timeout.toSeconds() + " s waiting for "
                    + what + "; " + detail.get());
            Thread.sleep(20);
        }
    }

    /** Each original and each acknowledged write exactly once in both tables; nothing that was never attempted. */
    private static void assertEveryWriteOnce(String db, Writers writers, String context) {
        Map<String, Integer> cars = counts(server.query(db, "SELECT name FROM cars"));
        Map<String, Integer> drivers = counts(server.query(db, "SELECT d.name FROM drivers d JOIN cars c "
                + "ON c.id = d.car_id AND c.name = d.name"));
        List<String> problems = new ArrayList<>();
        for (int g = 1; g <= ROWS; g++) {
            check("car " + g, cars, drivers, problems);
        }
        for (String name : writers.acknowledged) {
            check(name, cars, drivers, problems);
        }
        // A car and its two log rows commit together: every car there has exactly its two (none for the first
        // cars past LOGGED), whether or not its writer heard the commit.
        Map<String, Integer> rows = counts(server.query(db, "SELECT c.name FROM car_log l JOIN cars c ON c.id = l.car_id"));
        Map<String, Integer> intact = counts(server.query(db, "SELECT c.name FROM car_log l JOIN cars c "
                + "ON c.id = l.car_id WHERE l.note = " + note("c.name")));
        for (String name : cars.keySet()) {
            int expected = !name.startsWith("car ") || Integer.parseInt(name.substring(4)) <= LOGGED ? 2 : 0;
            int n = rows.getOrDefault(name, 0);
            int ok = intact.getOrDefault(name, 0);
            if (n != expected || ok != expected) {
                problems.add(name + ": " + n + " car_log row(s), " + ok + " with its note intact, " + expected
                        + " written");
            }
        }
        String orphans = server.queryValue(db, "SELECT count(*) FROM car_log l WHERE NOT EXISTS (SELECT 1 FROM cars c "
                + "WHERE c.id = l.car_id)");
        if (!orphans.equals("0")) {
            problems.add(orphans + " car_log row(s) of no car");
        }
        for (Map.Entry<String, Integer> e : cars.entrySet()) {
            if (!e.getKey().startsWith("car ") && !writers.attempted.contains(e.getKey())) {
                problems.add(e.getKey() + " is there but was never written");
            }
        }
        assertTrue(problems.isEmpty(), context + ": " + problems.size() + " row(s) lost, doubled or invented, e.g. "
                + problems.stream().limit(10).toList());
    }

    private static void check(String name, Map<String, Integer> cars, Map<String, Integer> drivers,
                              List<String> problems) {
        int c = cars.getOrDefault(name, 0);
        int d = drivers.getOrDefault(name, 0);
        if (c != 1 || d != 1) {
            problems.add(name + ": " + c + " car(s), " + d + " driver(s)");
        }
    }

    private static Map<String, Integer> counts(List<List<String>> rows) {
        Map<String, Integer> out = new HashMap<>();
        rows.forEach(r -> out.merge(r.get(0), 1, Integer::sum));
        return out;
    }

    private static void assertWorksAfterTheSwap(String db, long oldMax, String context) {
        assertEquals("0", server.queryValue(db, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                + "AND NOT convalidated AND connamespace = 'public'::regnamespace"),
                context + ": foreign keys left NOT VALID after the switch");
        assertEquals(server.queryValue(db, "SELECT count(*) FROM cars"), server.queryValue(db,
                "SELECT count(*) FROM car_names"), context + ": the view reads the new table");
        long next = Long.parseLong(server.queryValue(db, "SELECT nextval('cars_id_seq')"));
        long max = Long.parseLong(server.queryValue(db, "SELECT max(id) FROM cars"));
        assertTrue(next > max && next > oldMax, context + ": the sequence (" + next + ") is past the rows (" + max + ")");
        server.execute(db, "SELECT setval('cars_id_seq', 3000000000)");
        String big = server.queryValue(db, "INSERT INTO cars (name) VALUES ('big') RETURNING id");
        assertTrue(Long.parseLong(big) > 3_000_000_000L, big);
        server.execute(db, "INSERT INTO drivers (car_id, name) VALUES (" + big + ", 'big')");
        String refused = null;
        try {
            server.execute(db, "INSERT INTO drivers (car_id, name) VALUES (4000000000, 'no such car')");
        } catch (RuntimeException e) {
            refused = String.valueOf(e.getMessage());
        }
        assertTrue(refused != null && refused.contains("foreign key"), context + ": the foreign key holds: " + refused);
    }

    /** Writers inserting a car and its driver (same name) per transaction, recording what they attempted and what committed. */
    static final class Writers {
        final String db;
        final Set<String> attempted = ConcurrentHashMap.newKeySet();
        final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger replanned = new AtomicInteger();
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = new ArrayList<>();
        final AtomicInteger probes = new AtomicInteger();

        Writers(String db) {
            this.db = db;
        }

        void start(int n) {
            for (int w = 0; w < n; w++) {
                String prefix = "w" + w + "-";
                Thread t = new Thread(() -> run(prefix), "writer " + w);
                t.start();
                threads.add(t);
            }
        }

        private void run(String prefix) {
            int n = 0;
            try (Connection c = server.connect(db);
                 PreparedStatement car = c.prepareStatement("INSERT INTO cars (name) VALUES (?) RETURNING id");
                 PreparedStatement driver = c.prepareStatement("INSERT INTO drivers (car_id, name) VALUES (?, ?)")) {
                c.setAutoCommit(false);
                while (!stop.get()) {
                    String name = prefix + n++;
                    try {
                        attempted.add(name);
                        insert(car, driver, name);
                        c.commit();
                        acknowledged.add(name);
                    } catch (SQLException e) {
                        c.rollback();
                        if (String.valueOf(e.getMessage()).contains("cached plan must not change result type")) {
                            // A statement prepared before the swap fails once; rolled back, prepared again.
                            replanned.incrementAndGet();
                        } else {
                            errors.add(name + ": " + e.getMessage());
                        }
                    }
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                errors.add(e.toString());
            }
        }

        private static void insert(PreparedStatement car, PreparedStatement driver, String name) throws SQLException {
            car.setString(1, name);
            long id;
            try (ResultSet rs = car.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
            driver.setLong(1, id);
            driver.setString(2, name);
            driver.executeUpdate();
            try (PreparedStatement log = car.getConnection().prepareStatement("INSERT INTO car_log SELECT ?, "
                    + note("?::text") + " FROM generate_series(1, 2)")) {
                log.setLong(1, id);
                log.setString(2, name);
                log.executeUpdate();
            }
        }

        /** One write on a fresh connection, bounded by a statement timeout; null when it committed, else why not. */
        String probe(Duration timeout) {
            String name = "probe-" + probes.getAndIncrement();
            try (Connection c = server.connect(db); Statement s = c.createStatement()) {
                s.execute("SET statement_timeout = '" + timeout.toMillis() + "ms'");
                c.setAutoCommit(false);
                attempted.add(name);
                try (PreparedStatement car = c.prepareStatement("INSERT INTO cars (name) VALUES (?) RETURNING id");
                     PreparedStatement driver = c.prepareStatement("INSERT INTO drivers (car_id, name) VALUES (?, ?)")) {
                    insert(car, driver, name);
                }
                c.commit();
                acknowledged.add(name);
                return null;
            } catch (SQLException e) {
                return e.getMessage();
            }
        }

        String firstError() {
            synchronized (errors) {
                return errors.isEmpty() ? "" : "first writer error: " + errors.get(0);
            }
        }

        String unexpectedErrors() {
            synchronized (errors) {
                return errors.isEmpty() ? "" : errors.size() + " error(s), first: " + errors.get(0);
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }
    }
}
