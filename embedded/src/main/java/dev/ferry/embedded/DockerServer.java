package dev.ferry.embedded;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * A server in a Docker container through Testcontainers, used when a Docker engine is present and asked for.
 * Testcontainers is an optional dependency: nothing here is touched unless {@link #available()} says so.
 */
final class DockerServer extends PgServer {
    private final PostgreSQLContainer<?> container;
    private final int major;

    private DockerServer(String name, PostgreSQLContainer<?> container, int major) {
        super(name);
        this.container = container;
        this.major = major;
    }

    static boolean available() {
        try {
            Class.forName("org.testcontainers.DockerClientFactory");
        } catch (ClassNotFoundException e) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static DockerServer start(String name, Map<String, String> settings, String image) {
        List<String> cmd = new ArrayList<>(List.of("postgres"));
        settings.forEach((k, v) -> {
            if (!k.equals("listen_addresses")) {
                cmd.add("-c");
                cmd.add(k + "=" + v);
            }
        });
        PostgreSQLContainer<?> c = new PostgreSQLContainer<>(image).withUsername("postgres")
                .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust");
        c.setCommand(cmd.toArray(String[]::new));
        c.start();
        return new DockerServer(name, c, Integer.parseInt(image.substring(image.indexOf(':') + 1)));
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return container.getMappedPort(5432);
    }

    @Override
    public int majorVersion() {
        return major;
    }

    @Override
    public Path dataDir() {
        throw new UnsupportedOperationException("a container's data directory is not on this machine");
    }

    @Override
    public void restart() {
        throw new UnsupportedOperationException("restarting a container keeps no port mapping");
    }

    @Override
    public void stop() {
        container.stop();
    }

    @Override
    public void close() {
        container.stop();
    }
}
