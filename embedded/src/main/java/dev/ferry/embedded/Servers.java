package dev.ferry.embedded;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses how to start throwaway servers. The source is the distribution's PostgreSQL 15 when installed and
 * the target zonky's PostgreSQL 17, so every test is also a cross-version migration. Setting
 * {@code FERRY_SERVERS=docker} (with a Docker engine) backs both with Testcontainers instead.
 */
public final class Servers {
    private static final Logger LOG = LoggerFactory.getLogger(Servers.class);
    static final int SOURCE_MAJOR = 15;

    private Servers() {}

    /** A source server with {@code wal_level=logical} (or {@code replica} when {@code logical} is false). */
    public static PgServer source(boolean logical) {
        return start("source", ServerSettings.forRole(logical), true);
    }

    public static PgServer source() {
        return source(true);
    }

    public static PgServer target() {
        return start("target", ServerSettings.forRole(false), false);
    }

    /** Starts a server with extra settings on top of the defaults (e.g. a small max_replication_slots). */
    public static PgServer source(Map<String, String> overrides) {
        Map<String, String> s = ServerSettings.forRole(true);
        s.putAll(overrides);
        return start("source", s, true);
    }

    private static PgServer start(String name, Map<String, String> settings, boolean preferSystem) {
        long t0 = System.nanoTime();
        PgServer server;
        if ("docker".equals(System.getenv("FERRY_SERVERS")) && DockerServer.available()) {
            server = DockerServer.start(name, settings, preferSystem ? "postgres:15" : "postgres:17");
        } else if (preferSystem && SystemServer.available(SOURCE_MAJOR)) {
            server = new SystemServer(name, SOURCE_MAJOR, settings);
        } else {
            server = new ZonkyServer(name, settings);
        }
        LOG.info("started {} in {} ms", server, (System.nanoTime() - t0) / 1_000_000);
        return server;
    }
}
