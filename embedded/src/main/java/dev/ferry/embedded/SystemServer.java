package dev.ferry.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server from the distribution's binaries (/usr/lib/postgresql/N/bin), which also bring psql, pg_dump and
 * pgbench for the benchmarks. As root every command runs through {@code runuser -u postgres}.
 */
final class SystemServer extends LocalServer {
    private final Path bin;
    private final int major;
    private final int port;
    private final Map<String, String> settings;

    static boolean available(int major) {
        return Files.isExecutable(binDir(major).resolve("postgres"))
                && (!isRoot() || Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")));
    }

    static Path binDir(int major) {
        return Path.of("/usr/lib/postgresql/" + major + "/bin");
    }

    SystemServer(String name, int major, Map<String, String> settings) {
        super(name);
        this.major = major;
        this.bin = binDir(major);
        this.settings = settings;
        this.port = freePort();
        if (isRoot()) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
        }
        run(List.of(bin.resolve("initdb").toString(), "-A", "trust", "-U", "postgres", "--no-sync",
                "-E", "UTF8", "--locale=C.UTF-8", "-D", dataDir().toString()), true);
        start();
    }

    @Override
    void start() {
        StringBuilder opts = new StringBuilder("-p " + port + " -k " + dir);
        settings.forEach((k, v) -> opts.append(" -c ").append(k).append('=').append(v));
        run(List.of(bin.resolve("pg_ctl").toString(), "-w", "-t", "60", "-D", dataDir().toString(),
                "-l", dir.resolve("server.log").toString(), "-o", opts.toString(), "start"), true);
    }

    @Override
    public void stop() {
        if (Files.exists(dataDir().resolve("postmaster.pid"))) {
            run(List.of(bin.resolve("pg_ctl").toString(), "-w", "-D", dataDir().toString(), "-m", "immediate",
                    "stop"), true);
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public int majorVersion() {
        return major;
    }


    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private void run(List<String> command, boolean asPostgres) {
        List<String> cmd = new ArrayList<>();
        if (asPostgres && isRoot()) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(command);
        try {
            Path log = Files.createTempFile("ferry-pgctl-", ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 120 s");
            }
            String out = Files.readString(log);
            Files.deleteIfExists(log);
            if (p.exitValue() != 0) {
                String serverLog = Files.exists(dir == null ? log : dir.resolve("server.log"))
                        ? Files.readString(dir.resolve("server.log")) : "";
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out + serverLog);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
