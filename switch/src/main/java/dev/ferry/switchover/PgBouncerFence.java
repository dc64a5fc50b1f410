package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.PgBouncerConsole;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
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
 * it would wait for clients to disconnect, which is why {@link #requireTransactionPooling()} refuses it.
 * The traffic step rewrites the database's entry in pgbouncer.ini to the target, RELOADs and RESUMEs.
 */
public final class PgBouncerFence implements Fence {
    private final ConnectionSpec console;
    private final String database;
    private final Path ini;
    private final ConnectionSpec target;
    private boolean paused;

    public PgBouncerFence(ConnectionSpec console, String database, Path ini, ConnectionSpec target) {
        this.console = console;
        this.database = database;
        this.ini = ini;
        this.target = target;
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

    @Override
    public void hold(Duration timeout) {
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
    }

    @Override
    public void release() {
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
    public void releaseToTarget() {
        pointAtTarget();
        admin("RELOAD");
        resume();
    }

    @Override
    public void recover() {
        resume();
    }

    /** Rewrites this database's line in [databases]; other settings on the line (pool size, user) are kept. */
    void pointAtTarget() {
        try {
            List<String> lines = Files.readAllLines(ini);
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
            Path tmp = ini.resolveSibling(ini.getFileName() + ".ferry-tmp");
            Files.write(tmp, out);
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
