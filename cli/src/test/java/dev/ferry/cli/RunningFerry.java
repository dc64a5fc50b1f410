package dev.ferry.cli;

import dev.ferry.embedded.PgServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * {@code ferry start} (or {@code stream}) running in a child JVM, as a user runs it beside the application.
 * Closing it kills the process (kill -9), which every test may also do on purpose.
 */
public final class RunningFerry implements AutoCloseable {
    private final Path log;
    private final List<String> args;
    private Process process;

    private final java.util.Map<String, String> env;

    private RunningFerry(Path log, List<String> args, java.util.Map<String, String> env) {
        this.log = log;
        this.args = args;
        this.env = env;
    }

    public static RunningFerry start(Path log, String... args) throws IOException {
        return startWithHeap(log, "-Xmx512m", args);
    }

    /** @param heap the child JVM's heap option, e.g. {@code -Xmx96m}, to prove memory stays bounded */
    public static RunningFerry startWithHeap(Path log, String heap, String... args) throws IOException {
        return startWithEnv(log, java.util.Map.of("FERRY_TEST_HEAP", heap), args);
    }

    /** @param env added to the child's environment ({@code FERRY_TEST_HEAP} sets its heap option) */
    public static RunningFerry startWithEnv(Path log, java.util.Map<String, String> env, String... args) throws IOException {
        RunningFerry r = new RunningFerry(log, List.of(args), env);
        r.launch();
        return r;
    }

    private void launch() throws IOException {
        Path part = log.resolveSibling(log.getFileName() + "." + System.nanoTime());
        process = FerryRun.start(part, env, args.toArray(String[]::new));
        logs.add(part);
    }

    private final List<Path> logs = new ArrayList<>();

    /** kill -9, as a crash would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Starts the same command again after a kill. */
    public void restart() throws IOException {
        launch();
    }

    /** The exit status of the process that ended. */
    public int exitValue() {
        return process.exitValue();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Waits until the run on {@code target} is in phase STREAMING and has applied up to the source's current WAL. */
    public void awaitCaughtUp(PgServer source, PgServer target, String db, Duration timeout) {
        String lsn = source.queryValue(db, "SELECT pg_current_wal_insert_lsn()::text");
        await("the stream to catch up to " + lsn, timeout, () -> {
            try {
                String phase = target.queryValue(db, "SELECT phase FROM ferry.run");
                String applied = target.queryValue(db, "SELECT min(lsn)::text FROM ferry.applied");
                // The slot's confirmed position only passes what the target committed, so it is evidence too
                // (on a quiet source the applier may have had nothing to record).
                String confirmed = source.queryValue(db, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots "
                        + "WHERE database = current_database() AND active");
                return "STREAMING".equals(phase) && applied != null && confirmed != null
                        && "t".equals(source.queryValue(db, "SELECT greatest('" + applied + "'::pg_lsn, '" + confirmed
                        + "'::pg_lsn) >= '" + lsn + "'::pg_lsn"));
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    public void awaitPhase(PgServer target, String db, String phase, Duration timeout) {
        await("phase " + phase, timeout, () -> {
            try {
                return phase.equals(target.queryValue(db, "SELECT phase FROM ferry.run"));
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, false);
    }

    /** @param exitAllowed true when the process may end while waiting (waiting for it to stop) */
    void await(String what, Duration timeout, BooleanSupplier condition, boolean exitAllowed) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; ferry output:\n" + output());
            }
            if (!exitAllowed && !process.isAlive()) {
                throw new AssertionError("ferry exited (" + process.exitValue() + ") while waiting for " + what
                        + "; output:\n" + output());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Everything the process (and its earlier incarnations) printed. */
    public String output() {
        StringBuilder sb = new StringBuilder();
        for (Path p : logs) {
            try {
                sb.append(Files.readString(p));
            } catch (IOException e) {
                sb.append("(no log ").append(p).append(")\n");
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
