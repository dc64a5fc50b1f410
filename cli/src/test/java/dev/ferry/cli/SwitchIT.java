package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.embedded.PgBouncer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SwitchIT extends WithServers {
    static final Duration CATCH_UP = Duration.ofSeconds(90);

    private static void database(String db) {
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, "CREATE TABLE accounts (id bigserial PRIMARY KEY, owner text NOT NULL, balance numeric NOT NULL);"
                + "INSERT INTO accounts (owner, balance) SELECT 'owner ' || g, g FROM generate_series(1, 2000) g");
    }

    private RunningFerry startFerry(String db) throws Exception {
        // Slots are per server, not per database: one per test database.
        RunningFerry f = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", pair.source().uri(db),
                "--target", pair.target().uri(db), "--slot", "slot_" + db);
        f.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
        return f;
    }

    static Connection connect(String uri) throws SQLException {
        Matcher m = Pattern.compile("postgresql://([^@]+)@([^/]+)/(.+)").matcher(uri);
        assertTrue(m.matches(), uri);
        Properties p = new Properties();
        p.setProperty("user", m.group(1));
        p.setProperty("prepareThreshold", "0"); // transaction pooling: no server-side prepared statements
        return DriverManager.getConnection("jdbc:postgresql://" + m.group(2) + "/" + m.group(3), p);
    }

    @Test
    void aPgBouncerSwitchUnderSteadyWritesHasNoClientErrorsAndLosesNoAcknowledgedWrite() throws Exception {
        assumeTrue(PgBouncer.available(), "PgBouncer is not installed (.ci/run installs it)");
        String db = "bouncer";
        database(db);
        try (PgBouncer bouncer = new PgBouncer(pair.source(), db); RunningFerry ferry = startFerry(db)) {
            Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger errors = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            StringBuilder firstError = new StringBuilder();
            Thread[] writers = new Thread[4];
            for (int w = 0; w < writers.length; w++) {
                writers[w] = new Thread(() -> {
                    try (Connection c = connect(bouncer.uri(db));
                         PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (owner, balance) VALUES ('app', 1) RETURNING id")) {
                        while (!stop.get()) {
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                acknowledged.add(rs.getLong(1));
                            } catch (SQLException e) {
                                if (errors.getAndIncrement() == 0) {
                                    synchronized (firstError) {
                                        firstError.append(e.getMessage());
                                    }
                                }
                            }
                            Thread.sleep(4);
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
            Thread.sleep(1500);
            FerryRun sw = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--fence", "pgbouncer", "--pgbouncer", bouncer.adminUri(), "--pgbouncer-ini", bouncer.iniFile().toString(),
                    "--timeout", "20s");
            Thread.sleep(1500);
            stop.set(true);
            for (Thread t : writers) {
                t.join(10_000);
            }
            assertEquals(0, sw.exit(), sw.all() + "\nferry:\n" + ferry.output());
            assertTrue(sw.out().contains("writes were held for"), sw.all());
            assertHeldWindowReported(sw);
            assertEquals(0, errors.get(), "client errors during the switch: " + firstError);
            long onTarget = Long.parseLong(pair.target().queryValue(db, "SELECT count(*) FROM accounts WHERE id = ANY('{"
                    + String.join(",", acknowledged.stream().map(String::valueOf).toList()) + "}'::bigint[])"));
            assertEquals(acknowledged.size(), onTarget, "every acknowledged write is on the target");
            assertTrue(acknowledged.size() > 100, "the writers wrote " + acknowledged.size());
            FerryRun again = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--fence", "pgbouncer", "--pgbouncer", bouncer.adminUri(), "--pgbouncer-ini", bouncer.iniFile().toString());
            assertEquals(0, again.exit(), again.all());
            assertTrue(again.out().contains("already switched over"), "a second switch says it was already done: "
                    + again.all());
            assertTrue(ferry.output().contains("switched over"), "the stream stopped at the switch:\n" + ferry.output());
        }
    }

    @Test
    void withTheLockFenceAWriterWaitingOnTheFenceDoesNotLandOnTheOldSource() throws Exception {
        String db = "locked";
        database(db);
        try (RunningFerry ferry = startFerry(db)) {
            // Make the switch's window long enough for a writer to queue behind the fence.
            FerryRun[] result = new FerryRun[1];
            Thread sw = new Thread(() -> result[0] = FerryRun.run("switch", "--source", pair.source().uri(db), "--target",
                    pair.target().uri(db), "--fence", "lock", "--then", "sleep 1"));
            sw.start();
            ferry.await("the fence", Duration.ofSeconds(20), () -> "t".equals(pair.source().queryValue(db,
                    "SELECT count(*) > 0 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'accounts' "
                            + "AND l.mode = 'ExclusiveLock' AND l.granted")));
            String before = pair.source().queryValue(db, "SELECT count(*) FROM accounts");
            String error = null;
            try (Connection c = pair.source().connect(db); Statement s = c.createStatement()) {
                s.execute("INSERT INTO accounts (owner, balance) VALUES ('late writer', 1)");
            } catch (SQLException e) {
                error = e.getMessage();
            }
            sw.join(30_000);
            assertEquals(0, result[0].exit(), result[0].all());
            assertHeldWindowReported(result[0]);
            assertTrue(result[0].out().matches("(?s).*--then hook 1[0-9]{3} ms.*"), "the hook's second is its own step: "
                    + result[0].out());
            assertTrue(error != null && error.contains("has moved to another server"), "writer got: " + error);
            assertEquals(before, pair.source().queryValue(db, "SELECT count(*) FROM accounts"));
        }
    }

    /** The switch names each step of the held window with its time; printed, since that is the number to watch. */
    private static void assertHeldWindowReported(FerryRun sw) {
        System.out.println("switch output: " + sw.out());
        for (String step : new String[] {"fence ", "fence message ", "drain ", "sequences ", "protect ", "traffic step ",
                "--then hook ", "resume "}) {
            assertTrue(sw.out().contains("Held window: ") && sw.out().contains(step), "names step " + step + ": " + sw.out());
        }
        assertTrue(sw.out().contains("ms without the --then hook"), sw.out());
    }

    @Test
    void aFenceThatCannotBeTakenInTimeTimesOutAndLeavesTheSourceWritable() throws Exception {
        String db = "stuck";
        database(db);
        try (RunningFerry ferry = startFerry(db); Connection longTx = pair.source().connect(db)) {
            longTx.setAutoCommit(false);
            String pid;
            try (Statement s = longTx.createStatement()) {
                s.execute("UPDATE accounts SET balance = balance + 1 WHERE id = 1");
                try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    pid = rs.getString(1);
                }
            }
            FerryRun sw = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--fence", "lock", "--timeout", "2s");
            assertEquals(1, sw.exit(), sw.all());
            assertTrue(sw.err().contains("could not lock the migrated tables"), sw.all());
            assertTrue(sw.err().contains("pid " + pid + " (client backend, idle in transaction"), "names the blocker: "
                    + sw.all());
            assertTrue(sw.err().contains("pg_terminate_backend"), "says how to end it: " + sw.all());
            longTx.rollback();
            pair.source().execute(db, "INSERT INTO accounts (owner, balance) VALUES ('still writable', 1)");
            assertEquals("aborted", pair.target().queryValue(db, "SELECT state FROM ferry.switch"));
        }
    }

    @Test
    void aSwitchKilledWhilePgBouncerWasPausedIsUndoneByRunningItAgain() throws Exception {
        assumeTrue(PgBouncer.available(), "PgBouncer is not installed (.ci/run installs it)");
        String db = "killed";
        database(db);
        try (PgBouncer bouncer = new PgBouncer(pair.source(), db); RunningFerry ferry = startFerry(db)) {
            // The state a kill -9 leaves between PAUSE and the traffic step.
            try (dev.ferry.core.PgBouncerConsole admin = dev.ferry.core.PgBouncerConsole.open(
                    dev.ferry.core.ConnectionSpec.parse(bouncer.adminUri()))) {
                admin.query("PAUSE " + db);
            }
            pair.target().execute(db, "INSERT INTO ferry.switch (state) VALUES ('draining')");
            FerryRun sw = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--fence", "pgbouncer", "--pgbouncer", bouncer.adminUri(), "--pgbouncer-ini",
                    bouncer.iniFile().toString(), "--abort");
            assertEquals(0, sw.exit(), sw.all());
            try (Connection c = connect(bouncer.uri(db)); Statement s = c.createStatement()) {
                s.setQueryTimeout(5);
                s.execute("INSERT INTO accounts (owner, balance) VALUES ('after abort', 1)");
            }
            assertEquals("aborted", pair.target().queryValue(db, "SELECT state FROM ferry.switch"));
        }
    }

    @Test
    void aPgBouncerRewriteThatFailsLeavesPgBouncerOnTheSourceAndAReRunRecoversAPausedOne() throws Exception {
        assumeTrue(PgBouncer.available(), "PgBouncer is not installed (.ci/run installs it)");
        String db = "rewrite";
        database(db);
        try (PgBouncer bouncer = new PgBouncer(pair.source(), db); RunningFerry ferry = startFerry(db)) {
            String ini = bouncer.iniFile().toString();
            String before = java.nio.file.Files.readString(bouncer.iniFile());
            // The rewrite goes through a sibling file; a directory in its place makes it fail, even for root.
            Path blocker = bouncer.iniFile().resolveSibling(bouncer.iniFile().getFileName() + ".ferry-tmp");
            java.nio.file.Files.createDirectory(blocker);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger written = new AtomicInteger();
            Thread writer = new Thread(() -> {
                try (Connection c = connect(bouncer.uri(db)); Statement st = c.createStatement()) {
                    while (!stop.get()) {
                        st.execute("INSERT INTO accounts (owner, balance) VALUES ('through pgbouncer', 1)");
                        written.incrementAndGet();
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    written.set(-1_000_000);
                }
            });
            writer.start();
            Thread.sleep(500);
            String[] args = {"switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db), "--fence",
                    "pgbouncer", "--pgbouncer", bouncer.adminUri(), "--pgbouncer-ini", ini, "--timeout", "20s"};
            FerryRun failed = FerryRun.run(args);
            assertEquals(1, failed.exit(), failed.all());
            assertTrue(failed.err().contains("cannot rewrite") && failed.err().contains("PgBouncer was put back on the "
                    + "source") && failed.err().contains("nothing was switched"), failed.all());
            assertEquals(before, java.nio.file.Files.readString(bouncer.iniFile()), "pgbouncer.ini is unchanged");
            FerryRun status = FerryRun.run("status", "--source", pair.source().uri(db), "--target", pair.target().uri(db));
            assertTrue(status.out().contains("not switched"), status.all());
            assertEquals("1", pair.source().queryValue(db, "SELECT count(*) FROM pg_trigger WHERE tgname = 'ferry_fence'"),
                    "the undone switch's trigger stays, letting writes through, until cleanup");
            int at = written.get();
            // The stream must still run (not allowed to have exited): the switch was undone.
            ferry.await("writes through PgBouncer to go on", Duration.ofSeconds(10), () -> written.get() > at + 20, false);
            stop.set(true);
            writer.join(10_000);
            assertTrue(written.get() > 0, "the writer through PgBouncer never failed");
            // What a kill -9 between PAUSE and the traffic step leaves: PgBouncer paused, the switch draining.
            try (dev.ferry.core.PgBouncerConsole admin = dev.ferry.core.PgBouncerConsole.open(
                    dev.ferry.core.ConnectionSpec.parse(bouncer.adminUri()))) {
                admin.query("PAUSE " + db);
            }
            pair.target().execute(db, "UPDATE ferry.switch SET state = 'draining', detail = '{\"fence\": \"pgbouncer\"}'");
            java.nio.file.Files.delete(blocker);
            FerryRun again = FerryRun.run(args);
            assertEquals(0, again.exit(), again.all() + "\nferry start:\n" + ferry.output());
            assertTrue(again.out().contains("undoing it first") && again.out().contains("writes were held for"), again.all());
            try (Connection c = connect(bouncer.uri(db)); Statement st = c.createStatement()) {
                st.setQueryTimeout(5);
                st.execute("INSERT INTO accounts (owner, balance) VALUES ('on the target', 1)");
            }
            assertEquals("1", pair.target().queryValue(db, "SELECT count(*) FROM accounts WHERE owner = 'on the target'"));
            assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM accounts WHERE owner = 'on the target'"));
            ferry.await("ferry start to stop at the switch", Duration.ofSeconds(30), () -> !ferry.alive(), true);
            String[] where = {"--source", pair.source().uri(db), "--target", pair.target().uri(db), "--slot", "slot_" + db};
            FerryRun kept = FerryRun.run(concat(new String[] {"cleanup", "--yes"}, where));
            assertEquals(0, kept.exit(), kept.all());
            assertTrue(kept.out().contains("Kept the source's write protection"), kept.all());
            assertEquals("1", pair.source().queryValue(db, "SELECT count(*) FROM pg_trigger WHERE tgname = 'ferry_fence'"));
            FerryRun dropped = FerryRun.run(concat(new String[] {"cleanup", "--yes", "--drop-protection"}, where));
            assertEquals(0, dropped.exit(), dropped.all());
            assertTrue(dropped.out().contains("Dropped Ferry's write-protection triggers"), dropped.all());
            assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_trigger WHERE tgname = 'ferry_fence'"));
            assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'ferry'"),
                    "nothing of Ferry is left on the source");
            pair.source().execute(db, "INSERT INTO accounts (owner, balance) VALUES ('source writable again', 1)");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aFailingThenHookIsReportedWithItsOutputAndTheReRunFinishesTheSwitch() throws Exception {
        String db = "hook";
        database(db);
        try (RunningFerry ferry = startFerry(db)) {
            FerryRun sw = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--then", "echo the load balancer said no; exit 3");
            assertEquals(1, sw.exit(), sw.all());
            assertTrue(sw.out().contains("the load balancer said no"), "the hook's output is shown: " + sw.all());
            assertTrue(sw.err().contains("exited with status 3") && sw.err().contains("run \"ferry switch\" again"),
                    sw.all());
            FerryRun status = FerryRun.run("status", "--source", pair.source().uri(db), "--target", pair.target().uri(db));
            assertTrue(status.out().contains("held (traffic"), status.all());
            String refused = null;
            try (Connection c = pair.source().connect(db); Statement s = c.createStatement()) {
                s.execute("INSERT INTO accounts (owner, balance) VALUES ('while held', 1)");
            } catch (SQLException e) {
                refused = e.getMessage();
            }
            assertTrue(refused != null && refused.contains("has moved"), "the source refuses writes while held: " + refused);
            FerryRun again = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--then", "echo now it worked");
            assertEquals(0, again.exit(), again.all());
            assertTrue(again.out().contains("finishing it") && again.out().contains("now it worked"), again.all());
            assertEquals("done", pair.target().queryValue(db, "SELECT state FROM ferry.switch"));
            ferry.await("ferry start to stop at the switch", Duration.ofSeconds(30), () -> !ferry.alive(), true);
        }
    }

    @Test
    void switchingWithoutARunningStreamSaysSo() throws Exception {
        String db = "idle";
        database(db);
        try (RunningFerry ferry = startFerry(db)) {
            ferry.kill();
            FerryRun sw = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db));
            assertEquals(2, sw.exit(), sw.all());
            assertTrue(sw.err().contains("nothing is streaming"), sw.all());
        }
    }
}
