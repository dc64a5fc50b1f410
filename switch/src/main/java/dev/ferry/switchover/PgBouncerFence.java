package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.PgBouncerConsole;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.switchover.internal.SourceProtection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Holds writes by pausing the database in PgBouncer: clients wait instead of failing. In transaction pooling
 * mode PAUSE waits only for running transactions, so it returns quickly on a busy system; in session pooling
 * it would wait for clients to disconnect, which is why {@link #requireTransactionPooling()} refuses it. Clients
 * connected to the source directly are held (and then refused) by the same table locks as {@link LockFence}.
 * The traffic step rewrites the database's entry in pgbouncer.ini to the target and RELOADs, runs the hook, then
 * RESUMEs; if the rewrite or the RELOAD fails, the file is put back and PgBouncer stays on the source.
 */
public final class PgBouncerFence implements Fence {
    private final ConnectionSpec console;
    private final String database;
    private final Path ini;
    private final ConnectionSpec target;
    private final LockFence locks;
    private boolean paused;

    public PgBouncerFence(ConnectionSpec console, String database, Path ini, ConnectionSpec target, LockFence locks) {
        this.console = console;
        this.database = database;
        this.ini = ini;
        this.target = target;
        this.locks = locks;
    }

    @Override
    public String name() {
        return "pgbouncer";
    }

    /** Refuses session pooling, where PAUSE would wait for every client to disconnect. */
    public void requireTransactionPooling() {
        try (PgBouncerConsole c = PgBouncerConsole.open(console)) {
            for (List<String> row : c.query("SHOW CONFIG")) {
                if (row.get(0).equals("pool_mode") && !row.get(1).equals("transaction")) {
                    throw new FerryException(ExitCode.USAGE, "PgBouncer runs with pool_mode = " + row.get(1)
                            + "; --fence pgbouncer needs pool_mode = transaction (PAUSE would wait for every client "
                            + "to disconnect); set it in pgbouncer.ini and RELOAD, or use --fence lock");
                }
            }
        }
    }

    /**
     * Before anything is held: the file must be readable, name the database, and sit in a directory Ferry may
     * write (it is replaced by a rename). A rewrite can still fail later; then PgBouncer is put back on the source.
     */
    public void requireIniUsable() {
        List<String> lines = readIni();
        if (lines.stream().map(String::strip).noneMatch(t -> t.contains("=")
                && t.substring(0, t.indexOf('=')).strip().equals(database))) {
            throw new FerryException(ExitCode.USAGE, "no entry for database \"" + database + "\" in " + ini + "; add one, "
                    + "or pass --pgbouncer-database with the right name; nothing was changed");
        }
        Path dir = ini.toAbsolutePath().getParent();
        if (!Files.isWritable(ini) || dir == null || !Files.isWritable(dir)) {
            throw new FerryException(ExitCode.USAGE, "Ferry cannot write " + ini + " or its directory, and repoints "
                    + "PgBouncer by replacing that file; give it write access; nothing was changed");
        }
    }

    @Override
    public Duration hold(Duration timeout) {
        locks.connect();
        long t0 = System.nanoTime();
        ExecutorService pauser = Executors.newSingleThreadExecutor(r -> new Thread(r, "pgbouncer-pause"));
        try {
            Future<?> pause = pauser.submit(() -> {
                admin("PAUSE " + database);
                return null;
            });
            paused = true;
            pause.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            release();
            throw new FerryException(ExitCode.PROBLEMS, "PgBouncer could not pause database \"" + database + "\" within "
                    + timeout.toSeconds() + " s (a transaction through it is still running); it was resumed and "
                    + "nothing changed; retry later or raise --timeout");
        } catch (ExecutionException e) {
            release();
            if (e.getCause() instanceof FerryException f) {
                throw f;
            }
            throw FerryException.internal("pausing PgBouncer failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            release();
            Thread.currentThread().interrupt();
            throw FerryException.internal("interrupted while pausing PgBouncer", e);
        } finally {
            pauser.shutdownNow();
        }
        Duration left = timeout.minusNanos(System.nanoTime() - t0);
        try {
            locks.hold(left.isNegative() ? Duration.ZERO : left);
            // PgBouncer holds new transactions from the moment PAUSE is sent.
            return Duration.ofNanos(System.nanoTime() - t0);
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    @Override
    public void protect(SourceProtection protection) {
        locks.protect(protection);
    }

    @Override
    public void release() {
        locks.release();
        if (paused) {
            resume();
        }
    }

    private void resume() {
        try {
            admin("RESUME " + database);
        } catch (FerryException e) {
            // "database is not paused" means there is nothing to undo
            if (!e.getMessage().contains("not paused")) {
                throw e;
            }
        }
        paused = false;
    }

    @Override
    public void sendTraffic(Runnable hook) {
        List<String> before;
        try {
            before = readIni();
        } catch (RuntimeException e) {
            throw new NotMoved(e);
        }
        try {
            pointAtTarget();
            admin("RELOAD");
        } catch (RuntimeException e) {
            try {
                write(before);
                admin("RELOAD");
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw new NotMoved(e);
        }
        paused = true;
        hook.run();
        resume();
    }

    @Override
    public void recover() {
        resume();
    }

    /** Rewrites this database's line in [databases]; other settings on the line (pool size, user) are kept. */
    void pointAtTarget() {
        List<String> lines = readIni();
        List<String> out = new ArrayList<>(lines.size());
        boolean inDatabases = false;
        boolean replaced = false;
        for (String line : lines) {
            String t = line.strip();
            if (t.startsWith("[")) {
                inDatabases = t.equalsIgnoreCase("[databases]");
            }
            if (inDatabases && !t.startsWith(";") && !t.startsWith("#") && t.contains("=")
                    && t.substring(0, t.indexOf('=')).strip().equals(database)) {
                out.add(database + " = " + rewrite(t.substring(t.indexOf('=') + 1)));
                replaced = true;
            } else {
                out.add(line);
            }
        }
        if (!replaced) {
            throw new FerryException(ExitCode.USAGE, "no entry for database \"" + database + "\" in the [databases] "
                    + "section of " + ini + "; add one, or pass --pgbouncer-database with the right name");
        }
        write(out);
    }

    private List<String> readIni() {
        try {
            return Files.readAllLines(ini);
        } catch (IOException e) {
            throw new FerryException(ExitCode.USAGE, "cannot read " + ini + " (" + e.getMessage()
                    + "); Ferry needs access to it for --fence pgbouncer");
        }
    }

    private void write(List<String> lines) {
        try {
            Path tmp = ini.resolveSibling(ini.getFileName() + ".ferry-tmp");
            Files.write(tmp, lines);
            Files.move(tmp, ini, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new FerryException(ExitCode.USAGE, "cannot rewrite " + ini + " (" + e.getMessage()
                    + "); Ferry needs write access to it for --fence pgbouncer");
        }
    }

    private String rewrite(String connstr) {
        StringBuilder sb = new StringBuilder();
        for (String part : connstr.strip().split("\\s+")) {
            String key = part.contains("=") ? part.substring(0, part.indexOf('=')) : part;
            if (!key.equals("host") && !key.equals("port") && !key.equals("dbname") && !part.isEmpty()) {
                sb.append(' ').append(part);
            }
        }
        return "host=" + target.host() + " port=" + target.port() + " dbname=" + target.database() + sb;
    }

    private void admin(String command) {
        try (PgBouncerConsole c = PgBouncerConsole.open(console)) {
            c.query(command);
        }
    }
}
