package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * In place, on one server, with writes going on: a range-partitioned table (a default partition too) whose
 * {@code int} key becomes {@code bigint}, with a sub-partitioned partition, read by a view. Writers insert into every partition, update rows and move
 * them across partitions during the copy, the stream and the swap; afterwards the original name is the {@code bigint}
 * tree with every partition under its bounds, and the table holds exactly what the writers were told was committed.
 */
class InPlacePartitionsIT extends OneServer {
    /** Each writer owns the ids ending in its digit (1..3) and knows what it committed: id to value. */
    private static final class Writer extends Thread {
        final int digit;
        final Map<Long, Long> committed = new TreeMap<>();
        final AtomicBoolean stop;
        final String db;
        final AtomicInteger rounds;
        final StringBuffer failure;
        int replanned;

        Writer(int digit, String db, AtomicBoolean stop, AtomicInteger rounds, StringBuffer failure) {
            this.digit = digit;
            this.db = db;
            this.stop = stop;
            this.rounds = rounds;
            this.failure = failure;
        }

        @Override
        public void run() {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            try (Connection c = server.connect(db); Statement s = c.createStatement()) {
                while (!stop.get()) {
                    try {
                        // A new row in one of the three partitions (the default one holds ids from 200000).
                        long id = 100_000L * r.nextInt(3) + 10 * r.nextInt(10_000) + digit;
                        if (!committed.containsKey(id)) {
                            s.execute("INSERT INTO readings VALUES (" + id + ", 'w', 0)");
                            committed.put(id, 0L);
                        }
                        List<Long> mine = new ArrayList<>(committed.keySet());
                        long some = mine.get(r.nextInt(mine.size()));
                        s.execute("UPDATE readings SET v = v + 1 WHERE id = " + some);
                        committed.merge(some, 1L, Long::sum);
                        // Moves a row to the next partition (from the default one back to the first).
                        long from = mine.get(r.nextInt(mine.size()));
                        long to = from >= 200_000 ? from - 200_000 : from + 100_000;
                        if (!committed.containsKey(to)) {
                            s.execute("UPDATE readings SET id = " + to + ", v = v + 10 WHERE id = " + from);
                            committed.put(to, committed.remove(from) + 10);
                        }
                        rounds.incrementAndGet();
                    } catch (SQLException e) {
                        if (String.valueOf(e.getMessage()).contains("cached plan must not change result type")) {
                            replanned++; // autocommit: the statement did nothing; it is planned again next time
                            continue;
                        }
                        throw e;
                    }
                    Thread.sleep(3);
                }
            } catch (SQLException | InterruptedException e) {
                failure.append("writer ").append(digit).append(": ").append(e.getMessage()).append('\n');
            }
        }
    }

    @Test
    void aPartitionedTableWithADefaultPartitionBecomesBigintInPlaceUnderWrites() throws Exception {
        String db = "inplace_parts";
        server.execute("CREATE DATABASE " + db);
        server.execute(db, "CREATE TABLE readings (id int PRIMARY KEY, sensor text NOT NULL, v bigint NOT NULL) "
                + "PARTITION BY RANGE (id);"
                + "CREATE TABLE readings_low PARTITION OF readings FOR VALUES FROM (0) TO (100000);"
                + "CREATE TABLE readings_high PARTITION OF readings FOR VALUES FROM (100000) TO (200000) "
                + "PARTITION BY RANGE (id);"
                + "CREATE TABLE readings_high_a PARTITION OF readings_high FOR VALUES FROM (100000) TO (150000);"
                + "CREATE TABLE readings_high_b PARTITION OF readings_high FOR VALUES FROM (150000) TO (200000);"
                + "CREATE TABLE readings_rest PARTITION OF readings DEFAULT;"
                + "CREATE INDEX readings_sensor ON readings (sensor);"
                + "CREATE VIEW sensors AS SELECT id, sensor FROM readings;"
                + "INSERT INTO readings SELECT g * 10, 's' || g % 7, g FROM generate_series(1, 30000) g");
        String initial = "SELECT count(*) || ' ' || md5(string_agg(id || '|' || sensor || '|' || v, ',' ORDER BY id)) "
                + "FROM readings WHERE id % 10 = 0";
        String before = server.queryValue(db, initial);
        Path config = tmp.resolve("ferry.yml");
        Files.writeString(config, "source: " + server.uri(db) + "\ntransforms:\n  - type: change-type\n"
                + "    table: public.readings\n    column: id\n    to: bigint\n");

        FerryRun check = FerryRun.run("check", "--config", config.toString(), "--in-place");
        System.out.println("check --in-place:\n" + check.all());
        assertTrue(!check.out().contains("problem:"), check.all());

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger rounds = new AtomicInteger();
        StringBuffer failure = new StringBuffer();
        List<Writer> writers = new ArrayList<>();
        for (int d = 1; d <= 3; d++) {
            Writer w = new Writer(d, db, stop, rounds, failure);
            writers.add(w);
            w.start();
        }
        String switched;
        FerryRun verified;
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--config", config.toString(),
                "--in-place", "--slot", "slot_inplace_parts", "--progress", "log")) {
            ferry.awaitCaughtUp(server, server, db, Duration.ofSeconds(120));
            int at = rounds.get();
            ferry.await("writes to go on while streaming", Duration.ofSeconds(30), () -> rounds.get() > at + 100, false);
            // Verify compares through the transforms while the writers go on: each read of the target waits for the
            // stream to apply what the source read held (it once took a stream that lagged by thousands of changes
            // for an idle one and reported leaves short).
            FerryRun verify = FerryRun.run("verify", "--config", config.toString(), "--in-place");
            System.out.println("verify --in-place:\n" + verify.all());
            verified = verify;
            FerryRun sw = FerryRun.run("switch", "--config", config.toString(), "--in-place", "--timeout", "30s");
            System.out.println("switch --in-place:\n" + sw.all());
            int afterSwap = rounds.get();
            // The stream stops once switched; the writers go on, on the new tree.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (rounds.get() < afterSwap + 100 && failure.length() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(rounds.get() >= afterSwap + 100, "writes went on after the swap: " + failure);
            stop.set(true);
            for (Writer w : writers) {
                w.join(10_000);
            }
            assertEquals(0, sw.exit(), sw.all() + "\nferry:\n" + ferry.output());
            assertEquals("", failure.toString(), "the writers failed");
            switched = sw.out();
        }
        Matcher held = Pattern.compile("writes were held for (\\d+) ms").matcher(switched);
        assertTrue(held.find(), switched);
        System.out.println("writes held " + held.group(1) + " ms; rounds " + rounds.get() + "; re-planned statements "
                + writers.stream().mapToInt(w -> w.replanned).sum());
        // 203, 301, 552, 756 and 1,058 ms in five runs on this shared 2-core machine (load from a parallel session).
        assertTrue(Long.parseLong(held.group(1)) < 2000, "writes were held for " + held.group(1) + " ms");

        // The original names are the bigint tree, every partition under its bounds; the old tree is in ferry_old.
        String tree = "SELECT string_agg(c.relname || ': ' || coalesce(replace(pg_get_expr(c.relpartbound, c.oid), "
                + "'''', ''), '') || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY c.relname) FROM "
                + "pg_partition_tree('%s.readings') t JOIN pg_class c ON c.oid = t.relid JOIN pg_attribute a ON "
                + "a.attrelid = c.oid AND a.attname = 'id'";
        assertEquals("readings:  bigint, readings_high: FOR VALUES FROM (100000) TO (200000) bigint, readings_high_a: "
                + "FOR VALUES FROM (100000) TO (150000) bigint, readings_high_b: FOR VALUES FROM (150000) TO (200000) "
                + "bigint, readings_low: FOR VALUES FROM (0) TO (100000) bigint, readings_rest: DEFAULT bigint",
                server.queryValue(db, tree.formatted("public")));
        assertEquals(server.queryValue(db, tree.formatted("ferry_old")).replace("integer", "bigint"),
                server.queryValue(db, tree.formatted("public")), "the old tree, every partition, is in ferry_old");
        String indexes = "SELECT string_agg(i.relname, ' ' ORDER BY i.relname) FROM pg_index x JOIN pg_class i ON "
                + "i.oid = x.indexrelid WHERE x.indrelid IN (SELECT relid FROM pg_partition_tree('%s.readings'))";
        assertEquals(server.queryValue(db, indexes.formatted("ferry_old")), server.queryValue(db,
                indexes.formatted("public")), "the indexes of root and partitions have the original names");
        assertTrue(server.queryValue(db, indexes.formatted("public")).contains("readings_high_a_pkey"),
                server.queryValue(db, indexes.formatted("public")));

        // Nothing lost, nothing doubled: the rows the writers own are exactly what they were told was committed.
        Map<Long, Long> expected = new TreeMap<>();
        writers.forEach(w -> expected.putAll(w.committed));
        StringBuilder want = new StringBuilder();
        expected.forEach((id, v) -> want.append(id).append(':').append(v).append(','));
        assertEquals(want.toString(), server.queryValue(db, "SELECT coalesce(string_agg(id || ':' || v || ',', '' "
                + "ORDER BY id), '') FROM readings WHERE id % 10 <> 0"), "the writers' rows");
        assertEquals(before, server.queryValue(db, initial), "the rows no writer touched");
        // Checked after the rows, so that a loss shows first.
        assertEquals(0, verified.exit(), "verify --in-place before the swap: " + verified.all());
        for (String leaf : new String[] {"readings_low", "readings_high_a", "readings_high_b", "readings_rest"}) {
            assertTrue(Long.parseLong(server.queryValue(db, "SELECT count(*) FROM " + leaf + " WHERE id % 10 <> 0"))
                    > 0, "writers wrote into " + leaf);
        }
        assertEquals(server.queryValue(db, "SELECT count(*) FROM readings"),
                server.queryValue(db, "SELECT count(*) FROM sensors"), "the view reads the new tree");
        server.execute(db, "INSERT INTO readings VALUES (3000000000, 'big', 1)");
        assertEquals("readings_rest", server.queryValue(db, "SELECT tableoid::regclass::text FROM readings WHERE id = "
                + "3000000000"));

        FerryRun cleanup = FerryRun.run("cleanup", "--config", config.toString(), "--in-place", "--yes");
        System.out.println("cleanup --in-place:\n" + cleanup.all());
        assertEquals(0, cleanup.exit(), cleanup.all());
        assertEquals("f", server.queryValue(db, "SELECT to_regclass('ferry_old.readings') IS NOT NULL"));
        assertEquals("0", server.queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE database = '" + db
                + "'"));
        assertEquals("0", server.queryValue(db, "SELECT count(*) FROM pg_publication"));
        // Digit 9: the writers' ids end in 1-3 and the initial rows' in 0, so no row can hold it already.
        server.execute(db, "INSERT INTO readings VALUES (150009, 'after cleanup', 1)");
    }
}
