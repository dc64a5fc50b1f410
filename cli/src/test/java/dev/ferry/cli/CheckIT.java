package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Lsn;
import dev.ferry.core.state.Phase;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.StateStore;
import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ferry check} against real servers: one scenario per prerequisite, each in its own databases on a shared
 * good pair, plus a source started with {@code wal_level=replica} and no room for Ferry's slot or senders.
 */
class CheckIT {
    static final String MONEY_LOCALE = "de_DE.UTF-8";
    static PgServer source;
    static PgServer target;
    static PgServer badSource;
    static boolean otherMoneyLocale;

    @BeforeAll
    static void startServers() throws Exception {
        otherMoneyLocale = ensureLocale();
        source = Servers.source();
        target = Servers.target();
        badSource = Servers.source(Map.of("wal_level", "replica", "max_replication_slots", "1",
                "max_wal_senders", "1", "max_slot_wal_keep_size", "64MB", "max_prepared_transactions", "2"));
        // The one slot is taken, and it retains WAL: more than half the 64MB the source may keep for slots.
        badSource.execute("SELECT pg_create_physical_replication_slot('old_standby', true)");
        badSource.execute("CREATE TABLE filler (id serial PRIMARY KEY, x text)");
        while (Long.parseLong(badSource.queryValue("postgres", "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), "
                + "restart_lsn)::int8 FROM pg_replication_slots")) < 40L * 1024 * 1024) {
            badSource.execute("INSERT INTO filler (x) VALUES (repeat($$x$$, 100)); SELECT pg_switch_wal()");
        }
        badSource.execute("CREATE TABLE t (id int PRIMARY KEY)");
        target.execute("CREATE DATABASE bad");
    }

    @AfterAll
    static void stopServers() {
        for (PgServer s : new PgServer[] {badSource, target, source}) {
            if (s != null) {
                s.close();
            }
        }
    }

    /** Creates database {@code name} on both servers and runs the SQL there; returns the two URIs. */
    static String[] scenario(String name, String sourceSql, String targetSql) {
        source.execute("CREATE DATABASE " + name);
        target.execute("CREATE DATABASE " + name);
        if (!sourceSql.isEmpty()) {
            source.execute(name, sourceSql);
        }
        if (!targetSql.isEmpty()) {
            target.execute(name, targetSql);
        }
        return new String[] {source.uri(name), target.uri(name)};
    }

    static FerryRun check(String sourceUri, String targetUri, String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "check";
        args[1] = "--source=" + sourceUri;
        args[2] = "--target=" + targetUri;
        args[3] = "--state-schema=ferry";
        System.arraycopy(more, 0, args, 4, more.length);
        return FerryRun.run(args);
    }

    static void assertFinds(FerryRun run, int exit, String... sentences) {
        assertEquals(exit, run.exit(), run.all());
        for (String s : sentences) {
            assertTrue(run.out().contains(s), "expected \"" + s + "\" in:\n" + run.all());
        }
    }

    static FerryRun checkBadSource() {
        return check(badSource.uri("postgres"), target.uri("bad"));
    }

    @Test
    void aCorrectPairIsReady() {
        String[] u = scenario("t_ready", "CREATE TABLE orders (id bigserial PRIMARY KEY, total money, note text); "
                + "CREATE TABLE log (at timestamptz, line text); ALTER TABLE log REPLICA IDENTITY FULL; "
                + "INSERT INTO orders (total, note) VALUES (12.5, 'a')", "");
        FerryRun run = check(u[0], u[1]);
        assertFinds(run, 0, "ready: ", "2 tables checked, 0 problems");
        assertFalse(run.out().contains("problem:"), run.all());
    }

    @Test
    void shortTransactionsOfABusyApplicationAreNoProblem() throws Exception {
        String[] u = scenario("t_busy", "CREATE TABLE counter (id int PRIMARY KEY, n bigint); "
                + "INSERT INTO counter VALUES (1, 0)", "");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong commits = new AtomicLong();
        Thread app = new Thread(() -> {
            try (Connection c = source.connect("t_busy"); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                while (!stop.get()) {
                    s.execute("UPDATE counter SET n = n + 1 WHERE id = 1");
                    c.commit();
                    commits.incrementAndGet();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        app.start();
        try {
            awaitTrue(source, "SELECT n > 100 FROM counter", "t_busy");
            assertFinds(check(u[0], u[1]), 0, "ready: ");
        } finally {
            stop.set(true);
            app.join(10_000);
        }
        assertTrue(commits.get() > 100, "the application kept writing: " + commits.get());
    }

    @Test
    void aReplicaLevelSourceIsNamedWithTheFix() {
        assertFinds(checkBadSource(), 1, "wal_level on the source is replica",
                "ALTER SYSTEM SET wal_level = logical on the source and restart it");
    }

    @Test
    void noFreeReplicationSlotIsReported() {
        assertFinds(checkBadSource(), 1, "the source has no free replication slot (max_replication_slots = 1, 1 in use)");
    }

    @Test
    void tooFewWalSendersAreReported() {
        assertFinds(checkBadSource(), 1, "free WAL sender", "but Ferry needs 2", "raise max_wal_senders");
    }

    @Test
    void everyProblemIsReportedNotJustTheFirst() {
        FerryRun run = checkBadSource();
        assertFinds(run, 1, "wal_level", "replication slot", "WAL sender", "not ready: 3 problems");
    }

    @Test
    void walRetainedByOtherSlotsUnderACapIsAWarning() {
        FerryRun run = checkBadSource();
        assertFinds(run, 1, "warning: max_slot_wal_keep_size on the source is 64MB and existing slots already retain",
                "\"old_standby\"");
    }

    @Test
    void aCapAloneIsNoteOnlyAndDoesNotBlock() {
        String[] u = scenario("t_cap", "CREATE TABLE a (id int PRIMARY KEY)", "");
        source.execute("ALTER SYSTEM SET max_slot_wal_keep_size = '10GB'; SELECT pg_reload_conf()");
        try {
            awaitTrue(source, "SELECT current_setting('max_slot_wal_keep_size') = '10GB'");
            assertFinds(check(u[0], u[1]), 0, "info: max_slot_wal_keep_size on the source is 10GB");
        } finally {
            source.execute("ALTER SYSTEM RESET max_slot_wal_keep_size; SELECT pg_reload_conf()");
            awaitTrue(source, "SELECT current_setting('max_slot_wal_keep_size') = '-1'");
        }
    }

    @Test
    void aTableWithoutKeyIsNamed() {
        String[] u = scenario("t_nokey", "CREATE TABLE \"Order Lines\" (a int, b text); "
                + "CREATE TABLE keyed (id int PRIMARY KEY)", "");
        FerryRun run = check(u[0], u[1]);
        assertFinds(run, 1, "table public.Order Lines on the source has neither a primary key nor REPLICA IDENTITY FULL",
                "ALTER TABLE \"public\".\"Order Lines\" REPLICA IDENTITY FULL");
        assertFalse(run.out().contains("public.keyed"), run.all());
    }

    @Test
    void aUserWithoutReplicationIsTold() {
        String[] u = scenario("t_norepl", "CREATE ROLE plain LOGIN; CREATE TABLE a (id int PRIMARY KEY); "
                + "ALTER TABLE a OWNER TO plain", "");
        FerryRun run = check(source.uri("plain", null, "t_norepl"), u[1]);
        assertFinds(run, 1, "user \"plain\" on the source lacks the REPLICATION privilege",
                "ALTER ROLE \"plain\" WITH REPLICATION");
    }

    @Test
    void aTableTheUserCannotReadIsNamed() {
        String[] u = scenario("t_noselect", "CREATE ROLE replicator LOGIN REPLICATION; "
                + "CREATE TABLE secret (id int PRIMARY KEY); CREATE TABLE open (id int PRIMARY KEY); "
                + "GRANT SELECT ON open TO replicator", "");
        FerryRun run = check(source.uri("replicator", null, "t_noselect"), u[1]);
        assertFinds(run, 1, "user \"replicator\" cannot read table public.secret on the source",
                "GRANT SELECT ON \"public\".\"secret\" TO \"replicator\"");
        assertFalse(run.out().contains("cannot read table public.open"), run.all());
    }

    @Test
    void columnTypesFerryCannotCarryAreNamed() {
        String[] u = scenario("t_types", "CREATE DOMAIN handle AS oid; CREATE TABLE blobs (id int PRIMARY KEY, "
                + "data oid, fn regproc, h handle[], rel regclass)", "");
        FerryRun run = check(u[0], u[1]);
        assertFinds(run, 1, "column public.blobs.data on the source has type oid,",
                "column public.blobs.fn on the source has type regproc,",
                "column public.blobs.h on the source has type handle[] (built on oid)");
        assertFalse(run.out().contains("blobs.rel"), run.all());
    }

    @Test
    void aTypeFromAnExtensionMissingOnTheTargetIsNamed() {
        String[] u = scenario("t_ext", "CREATE EXTENSION citext; CREATE TABLE users (id int PRIMARY KEY, email citext)",
                "");
        assertFinds(check(u[0], u[1]), 1, "column public.users.email on the source uses type public.citext from "
                + "extension citext, which", "CREATE EXTENSION \"citext\"");
    }

    @Test
    void aLongTransactionOnTheSourceIsNamedWithItsPid() throws Exception {
        String[] u = scenario("t_longtx", "CREATE TABLE a (id int PRIMARY KEY)", "");
        try (Connection c = source.connect("t_longtx"); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("INSERT INTO a VALUES (1)");
            String pid = source.queryValue("t_longtx", "SELECT pid FROM pg_stat_activity WHERE backend_xid IS NOT NULL "
                    + "AND datname = 't_longtx'");
            awaitTrue(source, "SELECT xact_start < now() - interval '6 s' FROM pg_stat_activity WHERE pid = " + pid);
            FerryRun run = check(u[0], u[1]);
            assertFinds(run, 1, "session " + pid + " (user \"postgres\", database \"t_longtx\") on the source has had "
                    + "a transaction open for", "idle in transaction, query started ",
                    "SELECT pg_terminate_backend(" + pid + ")");
            c.rollback();
        }
    }

    @Test
    void aForgottenPreparedTransactionIsNamedWithTheWayToEndIt() throws Exception {
        badSource.execute("BEGIN; INSERT INTO t VALUES (42); PREPARE TRANSACTION 'forgotten, \"2pc\"'");
        try {
            awaitTrue(badSource, "SELECT bool_and(prepared < now() - interval '6 s') FROM pg_prepared_xacts");
            assertFinds(checkBadSource(), 1, "prepared transaction 'forgotten, \"2pc\"' (user \"postgres\", database "
                    + "\"postgres\") on the source has been waiting for", "ROLLBACK PREPARED 'forgotten, \"2pc\"'");
        } finally {
            badSource.execute("ROLLBACK PREPARED 'forgotten, \"2pc\"'");
        }
    }

    @Test
    void theSameDatabaseOnBothSidesIsRefused() {
        String[] u = scenario("t_same", "CREATE TABLE a (id int PRIMARY KEY)", "");
        assertFinds(check(u[0], u[0]), 1, "--source and --target lead to the same database \"t_same\" on the same "
                + "server; point --target at the new server");
        assertFinds(check(u[0], u[1]), 0, "ready: ");
    }

    @Test
    void tablesGivenByNameWithCommasAndQuotesAreFoundAndMissingOnesNamed() {
        String[] u = scenario("t_named", "CREATE SCHEMA \"Sales\"; CREATE TABLE \"Sales\".\"Order Lines, v2\" (a int); "
                + "CREATE TABLE other (b int)", "");
        FerryRun run = check(u[0], u[1], "--tables", "\"Sales\".\"Order Lines, v2\",public.nope");
        assertFinds(run, 1, "table Sales.Order Lines, v2 on the source has neither a primary key",
                "table public.nope given in --tables does not exist on the source");
        assertFalse(run.out().contains("public.other"), "only the tables asked for are checked: " + run.all());
    }

    @Test
    void moneyWithDifferentLcMonetaryIsReported() {
        assumeTrue(otherMoneyLocale, "no locale other than C here to format money differently");
        String[] u = scenario("t_money", "CREATE TABLE prices (id int PRIMARY KEY, amount money)", "");
        source.execute("ALTER DATABASE t_money SET lc_monetary = '" + MONEY_LOCALE + "'");
        FerryRun run = check(u[0], u[1]);
        assertFinds(run, 1, "column public.prices.amount on the source is of type money, which the servers write "
                + "differently (source lc_monetary = " + MONEY_LOCALE, "SET lc_monetary = '" + MONEY_LOCALE + "'");
    }

    @Test
    void aRunAlreadyOnTheTargetMayHoldRowsAndItsSlot() {
        String[] u = scenario("t_resume", "CREATE TABLE a (id int PRIMARY KEY)",
                "CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a VALUES (1)");
        recordRun(target.uri("t_resume"), "ferry_slot");
        FerryRun run = check(u[0], u[1]);
        assertFinds(run, 0, "info: the target already holds a Ferry run in schema \"ferry\" (phase snapshot, slot "
                + "\"ferry_slot\"", "which ferry start resumes");
        target.execute("CREATE DATABASE bad_resume");
        recordRun(target.uri("bad_resume"), "old_standby");
        FerryRun bad = check(badSource.uri("postgres"), target.uri("bad_resume"));
        assertFinds(bad, 1, "wal_level on the source is replica");
        assertFalse(bad.out().contains("no free replication slot"), "the run's own slot is reused: " + bad.all());
    }

    static void recordRun(String targetUri, String slot) {
        try (StateStore store = StateStore.open(ConnectionSpec.parse(targetUri), "ferry")) {
            store.createRun(new RunInfo("postgresql://postgres@127.0.0.1:1/x", "1", slot, "ferry_pub", Lsn.parse("0/1"),
                    null, Phase.SNAPSHOT, Instant.now()));
        }
    }

    @Test
    void aReadOnlyTargetIsReported() {
        String[] u = scenario("t_ro", "CREATE TABLE a (id int PRIMARY KEY)",
                "ALTER DATABASE t_ro SET default_transaction_read_only = on");
        assertFinds(check(u[0], u[1]), 1, "the target database \"t_ro\" is read-only",
                "ALTER DATABASE \"t_ro\" SET default_transaction_read_only = off");
    }

    @Test
    void aTargetTableWithRowsIsNamed() {
        String[] u = scenario("t_rows", "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY)",
                "CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a VALUES (1); CREATE TABLE b (id int PRIMARY KEY)");
        FerryRun run = check(u[0], u[1]);
        assertFinds(run, 1, "table public.a on the target already holds rows; empty it (TRUNCATE \"public\".\"a\") "
                + "or pass --truncate-target");
        assertFalse(run.out().contains("public.b on the target"), run.all());
    }

    @Test
    void aTargetUserWhoCannotCreateTablesIsTold() {
        String[] u = scenario("t_nocreate", "CREATE TABLE a (id int PRIMARY KEY)", "CREATE ROLE lowly LOGIN");
        FerryRun run = check(u[0], target.uri("lowly", null, "t_nocreate"));
        assertFinds(run, 1, "user \"lowly\" cannot create tables in schema public on the target; run GRANT CREATE ON "
                + "SCHEMA \"public\" TO \"lowly\"", "user \"lowly\" cannot create schemas in the target database "
                + "\"t_nocreate\", and Ferry needs to create ferry there");
    }

    @Test
    void aTargetUserWhoCannotSetSessionReplicationRoleIsTold() {
        String[] u = scenario("t_nosrr", "CREATE TABLE a (id int PRIMARY KEY)",
                "CREATE ROLE builder LOGIN; GRANT CREATE ON DATABASE t_nosrr TO builder; "
                        + "GRANT CREATE ON SCHEMA public TO builder");
        FerryRun run = check(u[0], target.uri("builder", null, "t_nosrr"));
        assertFinds(run, 1, "user \"builder\" cannot set session_replication_role on the target",
                "GRANT SET ON PARAMETER session_replication_role TO \"builder\"");
        assertFalse(run.out().contains("cannot create"), run.all());
        target.execute("t_nosrr", "GRANT SET ON PARAMETER session_replication_role TO builder");
        assertFinds(check(u[0], target.uri("builder", null, "t_nosrr")), 0, "ready: ");
    }

    @Test
    void aCheckThatCannotRunIsOneProblemAndTheOthersStillRun() {
        String[] u = scenario("t_partial", "CREATE TABLE a (id int PRIMARY KEY)",
                "CREATE ROLE limited LOGIN; GRANT CREATE ON DATABASE t_partial TO limited; "
                        + "GRANT CREATE ON SCHEMA public TO limited; "
                        + "REVOKE EXECUTE ON FUNCTION pg_postmaster_start_time() FROM PUBLIC; "
                        + "CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a VALUES (1); GRANT SELECT ON a TO limited");
        FerryRun run = check(u[0], target.uri("limited", null, "t_partial"));
        assertFinds(run, 1, "checking that source and target differ on the target failed (ERROR: permission denied "
                + "for function pg_postmaster_start_time)", "table public.a on the target already holds rows",
                "user \"limited\" cannot set session_replication_role");
    }

    @Test
    void aWrongPasswordIsOneSentenceWithoutThePassword() {
        String[] u = scenario("t_pw", "CREATE TABLE a (id int PRIMARY KEY)", "");
        source.requirePassword("app_owner", "Right-Pa55word", true);
        String wrong = "Wr0ng-Pa55word";
        FerryRun run = check(source.uri("app_owner", wrong, "t_pw"), u[1]);
        assertFinds(run, 3, "password authentication failed for user \"app_owner\" on the source 127.0.0.1:");
        assertFalse(run.all().contains(wrong), run.all());
        assertFalse(run.all().contains("at org.") || run.all().contains("Exception"), run.all());
        FerryRun right = check(source.uri("app_owner", "Right-Pa55word", "t_pw"), u[1]);
        assertFinds(right, 0, "ready: ");
        assertFalse(right.all().contains("Right-Pa55word"), right.all());
        FerryRun json = FerryRun.run("check", "--json", "--source", source.uri("app_owner", wrong, "t_pw"),
                "--target", u[1]);
        assertEquals(3, json.exit(), json.all());
        assertTrue(json.out().contains("app_owner:***@"), json.all());
        assertFalse(json.all().contains(wrong), json.all());
    }

    @Test
    void whenTheSourceRefusesTheTargetIsStillChecked() {
        String[] u = scenario("t_refused", "", "ALTER DATABASE t_refused SET default_transaction_read_only = on");
        source.requirePassword("app_owner", "Right-Pa55word", true);
        FerryRun run = check(source.uri("app_owner", "Wr0ng", "t_refused"), u[1]);
        assertFinds(run, 3, "password authentication failed", "the target database \"t_refused\" is read-only");
    }

    @Test
    void anUnreachablePortAnswersWithinSecondsAndTheOtherSideIsStillChecked() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        FerryRun run = check(badSource.uri("postgres"), "postgresql://postgres@127.0.0.1:" + port + "/x");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertFinds(run, 3, "cannot reach the target 127.0.0.1:" + port + "/x", "wal_level on the source is replica");
        assertTrue(took.toSeconds() < 10, "took " + took);
    }

    @Test
    void anUnroutableHostAnswersWithinTheConnectTimeout() {
        long t0 = System.nanoTime();
        FerryRun run = check("postgresql://postgres@10.255.255.1:5432/x?connect_timeout=2", target.uri("bad"));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertEquals(3, run.exit(), run.all());
        assertTrue(run.out().contains("10.255.255.1"), run.all());
        assertTrue(took.toSeconds() < 15, "took " + took);
    }

    @Test
    void jsonOutputListsEveryFinding() {
        FerryRun run = FerryRun.run("check", "--json", "--source", badSource.uri("postgres"), "--target",
                target.uri("bad"));
        assertEquals(1, run.exit(), run.all());
        assertTrue(run.out().contains("\"check\" : \"wal_level\""), run.all());
        assertTrue(run.out().contains("\"ready\" : false"), run.all());
    }

    /** Polls a boolean query until it answers true: ages and reloads are awaited, never slept through. */
    static void awaitTrue(PgServer server, String sql) {
        awaitTrue(server, sql, "postgres");
    }

    static void awaitTrue(PgServer server, String sql, String database) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!"t".equals(server.queryValue(database, sql))) {
            assertTrue(System.nanoTime() < deadline, "never true: " + sql);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** A locale whose money format differs from C's, generated when missing and we may (root, localedef). */
    static boolean ensureLocale() throws Exception {
        if (localeInstalled()) {
            return true;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("localedef", "-i", "de_DE", "-f", "UTF-8", MONEY_LOCALE)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 && localeInstalled();
        } catch (IOException e) {
            return false;
        }
    }

    static boolean localeInstalled() throws Exception {
        Process p = new ProcessBuilder("locale", "-a").redirectErrorStream(true).start();
        String all = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return List.of(all.split("\n")).stream().anyMatch(l -> l.equalsIgnoreCase("de_DE.utf8"));
    }
}
