package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing lost, nothing doubled: {@code ferry start} killed with kill -9 at random moments, across the snapshot
 * (the keyless table is the biggest, so copies of it are hit) and the stream, while an application writes to a
 * keyed table (updates, upserts, deletes, key changes), a keyless REPLICA IDENTITY FULL table of duplicate rows
 * (inserts of duplicates, deletes of one of several identical rows) and a table of TOASTed values updated on other
 * columns. Afterwards the target equals the source row for row (as multisets), verify exits 0, and cleanup leaves
 * no slot or publication. {@code bench/kill.sh} is the long form (20+ kills, a million rows).
 */
class KillHarnessIT {
    static final String DB = "kills";
    static final List<String> TABLES = List.of("accounts", "dup", "docs");

    @Test
    void killedAtRandomMomentsTheTargetEndsEqualToTheSource(@TempDir Path tmp) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (ServerPair pair = ServerPair.start()) {
            PgServer source = pair.source();
            PgServer target = pair.target();
            source.execute("CREATE DATABASE " + DB);
            target.execute("CREATE DATABASE " + DB);
            source.execute(DB, """
                    CREATE TABLE accounts (id bigint PRIMARY KEY, balance numeric NOT NULL, memo text);
                    INSERT INTO accounts SELECT g, g, repeat('m', g % 200) FROM generate_series(1, 150000) g;
                    CREATE SEQUENCE neg START -1 INCREMENT -1;
                    CREATE TABLE dup (a text, b int);
                    ALTER TABLE dup REPLICA IDENTITY FULL;
                    INSERT INTO dup SELECT 'v' || (g % 40), g % 3 FROM generate_series(1, 400000) g;
                    CREATE TABLE docs (id int PRIMARY KEY, n int NOT NULL, body text, meta jsonb, raw bytea);
                    ALTER TABLE docs ALTER body SET STORAGE EXTERNAL, ALTER meta SET STORAGE EXTERNAL,
                      ALTER raw SET STORAGE EXTERNAL;
                    INSERT INTO docs SELECT g, 0, repeat(md5(g::text), 200),
                      jsonb_build_object('k', repeat(md5((g + 1)::text), 150)), decode(repeat(md5(g::text), 150), 'hex')
                      FROM generate_series(1, 300) g;
                    """);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong writes = new AtomicLong();
            AtomicReference<Throwable> writerFailed = new AtomicReference<>();
            Thread writer = new Thread(() -> write(source, stop, writes, new Random(seed + 1), writerFailed), "app");
            writer.start();
            List<String> phases = new ArrayList<>();
            long t0 = System.nanoTime();
            RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", source.uri(DB),
                    "--target", target.uri(DB), "--slot", "slot_kills", "--jobs", "2");
            int kills = 6;
            try {
                for (int i = 0; i < kills; i++) {
                    // A random moment once the copy runs (a loaded machine takes seconds to start a JVM): the first
                    // half land in the copy, while the keyless table is copied, the others once the stream runs.
                    boolean inCopy = i < kills / 2;
                    awaitPhase(target, p -> inCopy ? p.startsWith("SNAPSHOT (copying") && p.contains("dup")
                            : p.equals("STREAMING"), Duration.ofMinutes(3));
                    Thread.sleep(random.nextInt(inCopy ? 400 : 3000));
                    phases.add(phase(target));
                    ferry.kill();
                    ferry.restart();
                }
                Thread.sleep(2000);
            } finally {
                stop.set(true);
                writer.join(10_000);
            }
            long stopped = System.nanoTime();
            ferry.awaitCaughtUp(source, target, DB, Duration.ofMinutes(4));
            long converged = System.nanoTime();
            String output = ferry.output();
            ferry.close();
            assertEquals(null, writerFailed.get(), "the application's writes failed");
            assertTrue(writes.get() > 200, "the application kept writing: " + writes.get());
            String report = kills + " kills (seed " + seed + ") in phases " + phases + ", " + writes.get()
                    + " transactions, converged " + (converged - stopped) / 1_000_000 + " ms after the writes stopped ("
                    + (converged - t0) / 1_000_000_000 + " s in all)";
            System.out.println("kill harness: " + report);
            for (String table : TABLES) {
                assertEquals(contents(source, table), contents(target, table), table + " after " + report
                        + "; rows that differ: " + differing(source, target, table) + "; ferry output:\n" + output);
            }
            FerryRun verify = FerryRun.run("verify", "--source", source.uri(DB), "--target", target.uri(DB));
            assertEquals(0, verify.exit(), report + "\n" + verify.all());
            FerryRun cleanup = FerryRun.run("cleanup", "--yes", "--source", source.uri(DB), "--target", target.uri(DB));
            assertEquals(0, cleanup.exit(), cleanup.all());
            assertEquals("0", source.queryValue(DB, "SELECT count(*) FROM pg_replication_slots"), "slots left");
            assertEquals("0", source.queryValue(DB, "SELECT count(*) FROM pg_publication"), "publications left");
        }
    }

    /** A table's rows as a multiset: every row's text, sorted, hashed (duplicates count). */
    static String contents(PgServer server, String table) {
        return server.queryValue(DB, "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '')"
                + " FROM " + table + " t");
    }

    /** Up to 20 rows (as md5 of each column) that one side has and the other lacks, for the failure message. */
    static String differing(PgServer source, PgServer target, String table) {
        String sql = "SELECT " + ("dup".equals(table) ? "t::text" : "id || ' ' || (SELECT string_agg(coalesce(md5(v), 'null'),"
                + " ' ') FROM json_each_text(row_to_json(t)) j(k, v))") + " FROM " + table + " t ORDER BY 1";
        Set<String> a = new HashSet<>(source.query(DB, sql).stream().map(r -> r.get(0)).toList());
        Set<String> b = new HashSet<>(target.query(DB, sql).stream().map(r -> r.get(0)).toList());
        List<String> out = new ArrayList<>();
        a.stream().filter(r -> !b.contains(r)).limit(10).forEach(r -> out.add("source " + r));
        b.stream().filter(r -> !a.contains(r)).limit(10).forEach(r -> out.add("target " + r));
        return out.toString();
    }

    /** The run's phase, and during the copy the tables not yet copied. */
    static String phase(PgServer target) {
        try {
            String phase = target.queryValue(DB, "SELECT phase FROM ferry.run");
            if (phase == null) {
                return "before the run was recorded";
            }
            if (!"SNAPSHOT".equals(phase)) {
                return phase;
            }
            return phase + " (copying " + target.queryValue(DB, "SELECT coalesce(string_agg(DISTINCT source_name, ' '), "
                    + "'nothing') FROM ferry.chunks WHERE NOT done") + ")";
        } catch (RuntimeException e) {
            return "before the run was recorded";
        }
    }

    /** Waits until the run's phase (as {@link #phase} says it) is {@code wanted}, or the timeout. */
    static void awaitPhase(PgServer target, Predicate<String> wanted, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!wanted.test(phase(target)) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
    }

    static void write(PgServer source, AtomicBoolean stop, AtomicLong writes, Random r, AtomicReference<Throwable> failed) {
        try (Connection c = source.connect(DB)) {
            c.setAutoCommit(false);
            try (PreparedStatement update = c.prepareStatement("UPDATE accounts SET balance = balance + 1 WHERE id = ?");
                 PreparedStatement upsert = c.prepareStatement("INSERT INTO accounts VALUES (?, 0, 'new') "
                         + "ON CONFLICT (id) DO UPDATE SET balance = accounts.balance - 1, memo = 'upserted'");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM accounts WHERE id = ?");
                 PreparedStatement rekey = c.prepareStatement("UPDATE accounts SET id = nextval('neg') WHERE id = ?");
                 PreparedStatement twin = c.prepareStatement("INSERT INTO dup VALUES (?, ?), (?, ?)");
                 PreparedStatement unTwin = c.prepareStatement("DELETE FROM dup WHERE ctid = "
                         + "(SELECT ctid FROM dup WHERE a = ? AND b = ? LIMIT 1)");
                 PreparedStatement touch = c.prepareStatement("UPDATE docs SET n = n + 1 WHERE id = ?")) {
                while (!stop.get()) {
                    update.setLong(1, 1 + r.nextInt(150_000));
                    update.executeUpdate();
                    upsert.setLong(1, 1 + r.nextInt(170_000));
                    upsert.executeUpdate();
                    String a = "v" + r.nextInt(40);
                    int b = r.nextInt(3);
                    if (r.nextBoolean()) {
                        twin.setString(1, a);
                        twin.setInt(2, b);
                        twin.setString(3, a);
                        twin.setInt(4, b);
                        twin.executeUpdate();
                    } else {
                        unTwin.setString(1, a);
                        unTwin.setInt(2, b);
                        unTwin.executeUpdate();
                    }
                    touch.setInt(1, 1 + r.nextInt(300));
                    touch.executeUpdate();
                    if (r.nextInt(8) == 0) {
                        delete.setLong(1, 1 + r.nextInt(150_000));
                        delete.executeUpdate();
                    }
                    if (r.nextInt(40) == 0) {
                        rekey.setLong(1, 1 + r.nextInt(150_000));
                        rekey.executeUpdate();
                    }
                    c.commit();
                    writes.incrementAndGet();
                }
            }
        } catch (SQLException | RuntimeException e) {
            failed.set(e);
        }
    }
}
