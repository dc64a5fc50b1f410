package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.PgBouncer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of a real {@code ferry switch} at a random moment under writes, then a re-run or an abort (and
 * a re-run): after the kill the run is in one of three states, each resolution exits 0, and at the end no write
 * was accepted by the source after the switch, none acknowledged is missing on the target, and the target's
 * sequence is past the source's. {@code bench/switch-kill.sh} runs more rounds through system properties:
 * {@code ferry.switchkill.rounds} (per fence) and {@code ferry.switchkill.fences} ({@code lock,pgbouncer}).
 */
class SwitchKillIT extends WithServers {
    static final Pattern HELD = Pattern.compile("writes were held for (\\d+) ms, (\\d+) ms without the --then hook");

    /** Where to kill: as soon as the switch recorded {@code killAt} (or a later step), then {@code extraMillis} more. */
    record Round(String fence, boolean abort, String killAt, long extraMillis) {}

    /** The switch's recorded steps in order; "start" kills before it recorded any. */
    static final List<String> STEPS = List.of("start", "fencing", "draining", "protected", "traffic", "done");

    @Test
    void aSwitchKilledAtRandomMomentsEndsInOneOfThreeStatesAndIsResolvedWithoutLosingAWrite() throws Exception {
        int rounds = Integer.getInteger("ferry.switchkill.rounds", 2);
        long seed = Long.getLong("ferry.switchkill.seed", System.nanoTime());
        Random random = new Random(seed);
        List<String> fences = new ArrayList<>(List.of(System.getProperty("ferry.switchkill.fences", "lock,pgbouncer")
                .split(",")));
        if (!PgBouncer.available()) {
            fences.remove("pgbouncer");
        }
        StringBuilder report = new StringBuilder("seed " + seed + "\n");
        for (String fence : fences) {
            List<Long> held = new ArrayList<>();
            List<Long> own = new ArrayList<>();
            int clientErrors = 0;
            for (int i = 0; i < rounds; i++) {
                String at = STEPS.get(random.nextInt(STEPS.size() - 1));
                Round r = new Round(fence, i % 2 == 1, at, random.nextInt(at.equals("traffic") ? 900 : 300));
                clientErrors += round("k" + fence.charAt(0) + i + "x" + Math.abs(seed % 1000), r, held, own, report);
            }
            Collections.sort(held);
            Collections.sort(own);
            report.append(String.format("SWITCH-KILL fence=%s rounds=%d completed=%d held_ms median=%d p99=%d worst=%d "
                    + "without_hook_ms median=%d p99=%d worst=%d client_errors=%d%n", fence, rounds, held.size(),
                    pct(held, 50), pct(held, 99), pct(held, 100), pct(own, 50), pct(own, 99), pct(own, 100), clientErrors));
        }
        System.out.println(report);
    }

    private static long pct(List<Long> sorted, int p) {
        return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** One fresh run, one killed switch, its resolution. Returns the client errors the writers saw. */
    private int round(String db, Round r, List<Long> held, List<Long> own, StringBuilder report) throws Exception {
        databases(db, "CREATE TABLE accounts (id bigserial PRIMARY KEY, owner text NOT NULL, balance numeric NOT NULL);"
                + "INSERT INTO accounts (owner, balance) SELECT 'owner ' || g, g FROM generate_series(1, 1000) g");
        String src = pair.source().uri(db);
        String tgt = pair.target().uri(db);
        PgBouncer bouncer = r.fence().equals("pgbouncer") ? new PgBouncer(pair.source(), db) : null;
        Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger errors = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        String context = r + " in " + db;
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve(db + ".log"), "start", "--source", src, "--target", tgt,
                "--slot", "slot_" + db)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(120));
            String writeUri = bouncer != null ? bouncer.uri(db) : src;
            for (int w = 0; w < 3; w++) {
                Thread t = new Thread(() -> write(writeUri, acknowledged, errors, stop));
                t.start();
                writers.add(t);
            }
            Thread.sleep(800);
            List<String> args = new ArrayList<>(List.of("switch", "--source", src, "--target", tgt, "--fence", r.fence(),
                    "--then", "sleep 1", "--timeout", "20s"));
            if (bouncer != null) {
                args.addAll(List.of("--pgbouncer", bouncer.adminUri(), "--pgbouncer-ini", bouncer.iniFile().toString()));
            }
            RunningFerry sw = RunningFerry.start(tmp.resolve(db + "-switch.log"), args.toArray(String[]::new));
            awaitStep(db, r.killAt(), sw);
            Thread.sleep(r.extraMillis());
            sw.kill();
            String afterKill = outcome(src, tgt);
            assertTrue(afterKill.startsWith("switched") || afterKill.startsWith("held")
                    || afterKill.startsWith("not switched"), context + ": status after the kill: " + afterKill);
            report.append(context).append(": after the kill ").append(afterKill, 0, Math.min(60, afterKill.length()))
                    .append('\n');
            if (!r.killAt().equals("start") && afterKill.contains("never started")) {
                // the switch ended before reaching its step: say why
                report.append(context).append(": the killed switch had printed: ").append(sw.output().strip()).append('\n');
            }
            if (r.abort()) {
                FerryRun abort = FerryRun.run(withAbort(args));
                assertEquals(0, abort.exit(), context + ": " + abort.all() + "\nswitch:\n" + sw.output());
                String afterAbort = outcome(src, tgt);
                if (afterAbort.startsWith("not switched")) {
                    Thread.sleep(500);
                    ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(60));
                } else {
                    // Too late to undo: the traffic step had begun. --abort says so and leaves it for the re-run.
                    assertTrue(abort.out().contains("cannot be undone") || abort.out().contains("cannot undo"),
                            context + ": after --abort: " + afterAbort + "\n" + abort.all());
                }
            }
            FerryRun again = FerryRun.run(args.toArray(String[]::new));
            assertEquals(0, again.exit(), context + ": re-run: " + again.all() + "\nkilled switch:\n" + sw.output()
                    + "\nferry start:\n" + ferry.output());
            Matcher m = HELD.matcher(again.out());
            if (m.find()) {
                held.add(Long.parseLong(m.group(1)));
                own.add(Long.parseLong(m.group(2)));
            }
            report.append(context).append(": re-run: ").append(again.out().strip().replace('\n', ' ')).append('\n');
            String end = outcome(src, tgt);
            assertTrue(end.startsWith("switched"), context + ": at the end: " + end);
            Thread.sleep(500);
            stop.set(true);
            for (Thread t : writers) {
                t.join(30_000);
            }
            ferry.await("ferry start to stop at the switch", Duration.ofSeconds(30), () -> !ferry.alive(), true);
            assertTrue(ferry.output().contains("switched over"), context + ": " + ferry.output());
            assertWritesAccountedFor(db, acknowledged, context);
        } finally {
            stop.set(true);
            for (Thread t : writers) {
                t.join(30_000);
            }
            if (bouncer != null) {
                bouncer.close();
            }
        }
        return errors.get();
    }

    /** Polls the recorded step until it reaches {@code step}; "start" waits a little for the JVM instead. */
    private static void awaitStep(String db, String step, RunningFerry sw) throws InterruptedException {
        if (step.equals("start")) {
            Thread.sleep(500);
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && sw.alive()) {
            String state;
            try {
                state = pair.target().queryValue(db, "SELECT coalesce((SELECT state FROM ferry.switch), 'start')");
            } catch (RuntimeException e) {
                state = "start";
            }
            if (STEPS.indexOf(state) >= STEPS.indexOf(step) || state.equals("aborted")) {
                return;
            }
            Thread.sleep(3);
        }
    }

    private static String[] withAbort(List<String> args) {
        List<String> a = new ArrayList<>(args);
        a.add("--abort");
        return a.toArray(String[]::new);
    }

    /** The sentence {@code ferry status} prints for the switch. */
    private static String outcome(String src, String tgt) {
        FerryRun st = FerryRun.run("status", "--source", src, "--target", tgt);
        for (String line : st.out().split("\n")) {
            if (line.startsWith("switch ")) {
                return line.substring("switch".length()).strip();
            }
        }
        throw new AssertionError("no switch line in status: " + st.all());
    }

    private void assertWritesAccountedFor(String db, Set<Long> acknowledged, String context) {
        Set<Long> onSource = ids(pair.source().query(db, "SELECT id FROM accounts"));
        Set<Long> onTarget = ids(pair.target().query(db, "SELECT id FROM accounts"));
        Set<Long> missing = new HashSet<>(onSource);
        missing.removeAll(onTarget);
        assertTrue(missing.isEmpty(), context + ": rows the source accepted after the switch (not on the target): "
                + missing.stream().limit(10).toList());
        Set<Long> lost = new HashSet<>(acknowledged);
        lost.removeAll(onTarget);
        assertTrue(lost.isEmpty(), context + ": acknowledged writes missing on the target: " + lost.stream().limit(10).toList());
        long sourceMax = onSource.stream().mapToLong(Long::longValue).max().orElse(0);
        long next = Long.parseLong(pair.target().queryValue(db, "SELECT nextval('accounts_id_seq')"));
        assertTrue(next > sourceMax, context + ": the target's sequence (" + next + ") is past the source's rows ("
                + sourceMax + ")");
        String refused = null;
        try (Connection c = pair.source().connect(db); Statement s = c.createStatement()) {
            s.execute("INSERT INTO accounts (owner, balance) VALUES ('after the switch', 1)");
        } catch (SQLException e) {
            refused = e.getMessage();
        }
        assertTrue(refused != null && refused.contains("has moved"), context + ": the source took a write: " + refused);
    }

    private static Set<Long> ids(List<List<String>> rows) {
        Set<Long> out = new HashSet<>();
        rows.forEach(r -> out.add(Long.parseLong(r.get(0))));
        return out;
    }

    /** Inserts until stopped, reconnecting after errors (a refused write, a connection PgBouncer dropped). */
    private static void write(String uri, Set<Long> acknowledged, AtomicInteger errors, AtomicBoolean stop) {
        while (!stop.get()) {
            try (Connection c = SwitchIT.connect(uri);
                 PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (owner, balance) VALUES ('app', 1) "
                         + "RETURNING id")) {
                while (!stop.get()) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        acknowledged.add(rs.getLong(1));
                    } catch (SQLException e) {
                        errors.incrementAndGet();
                        Thread.sleep(20);
                        if (c.isClosed() || !c.isValid(2)) {
                            break;
                        }
                    }
                    Thread.sleep(5);
                }
            } catch (SQLException e) {
                errors.incrementAndGet();
                sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
