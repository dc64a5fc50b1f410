package dev.ferry.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PgBouncer (the distribution's package) in transaction pooling mode in front of one database.
 * PgBouncer refuses to run as root, so as root it runs as {@code postgres}. Clients connect as {@code postgres}
 * without a password; the admin console is database {@code pgbouncer}.
 */
public final class PgBouncer implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Process process;

    public static boolean available() {
        return Files.isExecutable(binary());
    }

    private static Path binary() {
        return Path.of("/usr/sbin/pgbouncer");
    }

    /** Starts PgBouncer serving {@code database} of {@code server} under the same name. */
    public PgBouncer(PgServer server, String database) {
        this.port = SystemServer.freePort();
        try {
            dir = Files.createTempDirectory("ferry-pgbouncer-");
            Files.writeString(dir.resolve("userlist.txt"), "\"postgres\" \"\"\n");
            Files.writeString(iniFile(), """
                    [databases]
                    %s = host=%s port=%d dbname=%s
                    [pgbouncer]
                    listen_addr = 127.0.0.1
                    listen_port = %d
                    unix_socket_dir =
                    auth_type = trust
                    auth_file = %s
                    admin_users = postgres
                    pool_mode = transaction
                    max_client_conn = 500
                    default_pool_size = 20
                    ignore_startup_parameters = extra_float_digits,options
                    logfile = %s
                    pidfile = %s
                    """.formatted(database, server.host(), server.port(), database, port,
                    dir.resolve("userlist.txt"), dir.resolve("pgbouncer.log"), dir.resolve("pgbouncer.pid")));
            if ("root".equals(System.getProperty("user.name"))) {
                new ProcessBuilder("chown", "-R", "postgres:postgres", dir.toString()).start().waitFor();
                process = new ProcessBuilder(List.of("runuser", "-u", "postgres", "--", binary().toString(),
                        iniFile().toString())).redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
            } else {
                process = new ProcessBuilder(binary().toString(), iniFile().toString()).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("out.log").toFile()).start();
            }
            awaitListening();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitListening() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("pgbouncer exited: " + Files.readString(dir.resolve("out.log")));
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("pgbouncer did not listen on port " + port + " within 15 s");
    }

    public int port() {
        return port;
    }

    /** The ini file Ferry's switch rewrites to point the database at the target. */
    public Path iniFile() {
        return dir.resolve("pgbouncer.ini");
    }

    /** A client URI through PgBouncer. */
    public String uri(String database) {
        return "postgresql://postgres@127.0.0.1:" + port + "/" + database;
    }

    /** The admin console URI. */
    public String adminUri() {
        return uri("pgbouncer");
    }

    @Override
    public void close() {
        try {
            // runuser may not pass the signal on: stop PgBouncer itself through its pid file.
            Path pid = dir.resolve("pgbouncer.pid");
            if (Files.exists(pid)) {
                new ProcessBuilder("kill", Files.readString(pid).strip()).start().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            // fall through to destroying the process
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files2.deleteTree(dir);
    }
}
