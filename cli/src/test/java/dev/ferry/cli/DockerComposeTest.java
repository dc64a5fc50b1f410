package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.core.ConnectionSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml cannot run here (no Docker engine), so its promises are checked by reading it: the
 * services, the source's logical decoding, PgBouncer's transaction pooling, and a ferry built from this repository
 * that points at the servers with the credentials they were started with.
 */
class DockerComposeTest {
    static final Path ROOT = Path.of("..");
    static JsonNode services;

    @BeforeAll
    static void parse() throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docker-compose.yml").toFile());
        services = compose.path("services");
    }

    static JsonNode service(String name) {
        JsonNode s = services.path(name);
        assertTrue(s.isObject(), "no service " + name + " in docker-compose.yml");
        return s;
    }

    /** {@code -c name=value} pairs of a postgres command line. */
    static Map<String, String> serverSettings(JsonNode command) {
        List<String> args = new ArrayList<>();
        command.forEach(a -> args.add(a.asText()));
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("-c")) {
                String[] kv = args.get(i + 1).split("=", 2);
                out.put(kv[0], kv[1]);
            }
        }
        return out;
    }

    /** Sections of an ini file, keys and values trimmed, comments dropped. */
    static Map<String, Map<String, String>> ini(Path file) throws IOException {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Map<String, String> section = null;
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                section = out.computeIfAbsent(line.substring(1, line.indexOf(']')), k -> new LinkedHashMap<>());
            } else if (section != null && line.contains("=")) {
                int eq = line.indexOf('=');
                section.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return out;
    }

    /** Relative bind mounts of a service, host path to container path. */
    static Map<String, String> bindMounts(JsonNode service) {
        Map<String, String> out = new LinkedHashMap<>();
        service.path("volumes").forEach(v -> {
            String[] parts = v.asText().split(":");
            if (parts[0].startsWith(".")) {
                out.put(parts[0], parts[1]);
            }
        });
        return out;
    }

    @Test
    void definesTheSourceTheTargetPgBouncerAndFerry() {
        Set<String> names = new TreeSet<>();
        services.fieldNames().forEachRemaining(names::add);
        assertEquals(new TreeSet<>(List.of("source", "target", "pgbouncer", "ferry")), names);
    }

    @Test
    void theSourceIsPostgres15WithLogicalDecodingAndRoomForFerry() {
        JsonNode source = service("source");
        assertEquals("postgres:15", source.path("image").asText());
        assertEquals("postgres", source.path("command").get(0).asText());
        Map<String, String> settings = serverSettings(source.path("command"));
        assertEquals("logical", settings.get("wal_level"));
        assertTrue(Integer.parseInt(settings.get("max_replication_slots")) >= 1, settings.toString());
        // ferry check asks for two free WAL senders: one holds the snapshot while another streams.
        assertTrue(Integer.parseInt(settings.get("max_wal_senders")) >= 2, settings.toString());
        assertTrue(source.path("healthcheck").path("test").toString().contains("pg_isready"));
    }

    @Test
    void theTargetIsPostgres17() {
        JsonNode target = service("target");
        assertEquals("postgres:17", target.path("image").asText());
        assertTrue(target.path("healthcheck").path("test").toString().contains("pg_isready"));
    }

    @Test
    void everyMountedFileIsInTheRepository() {
        services.forEach(s -> bindMounts(s).keySet().forEach(host ->
                assertTrue(Files.exists(ROOT.resolve(host)), host + " is mounted but missing")));
        assertTrue(bindMounts(service("source")).containsValue("/docker-entrypoint-initdb.d/10-shop.sql"));
    }

    @Test
    void pgBouncerPoolsTransactionsInFrontOfTheSource() throws IOException {
        JsonNode bouncer = service("pgbouncer");
        Path dir = ROOT.resolve(bouncer.path("build").asText());
        assertTrue(Files.readString(dir.resolve("Dockerfile")).contains("apt-get install -y --no-install-recommends pgbouncer"));
        assertEquals("/etc/pgbouncer", bindMounts(bouncer).get("./docker/pgbouncer"));
        Map<String, Map<String, String>> ini = ini(dir.resolve("pgbouncer.ini"));
        Map<String, String> settings = ini.get("pgbouncer");
        assertEquals("transaction", settings.get("pool_mode"));
        assertTrue(bouncer.path("ports").get(0).asText().endsWith(":" + settings.get("listen_port")));
        assertTrue(settings.get("ignore_startup_parameters").contains("extra_float_digits"),
                "pgjdbc sends extra_float_digits at connect");
        JsonNode env = service("source").path("environment");
        String db = env.path("POSTGRES_DB").asText();
        assertEquals("host=source port=5432 dbname=" + db, ini.get("databases").get(db));
        assertEquals(env.path("POSTGRES_USER").asText(), settings.get("admin_users"));
        Path userlist = dir.resolve(Path.of(settings.get("auth_file")).getFileName());
        assertEquals("\"" + env.path("POSTGRES_USER").asText() + "\" \"" + env.path("POSTGRES_PASSWORD").asText() + "\"",
                Files.readString(userlist).strip());
        assertEquals("service_healthy", bouncer.path("depends_on").path("source").path("condition").asText());
    }

    @Test
    void ferryIsBuiltFromThisRepositoryAndRunsTheShadedJar() throws IOException {
        JsonNode ferry = service("ferry");
        assertEquals(".", ferry.path("build").asText());
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        List<String> stages = new ArrayList<>();
        Matcher from = Pattern.compile("(?m)^FROM (\\S+)").matcher(dockerfile);
        while (from.find()) {
            stages.add(from.group(1));
        }
        assertEquals(2, stages.size(), "a build stage and a runtime stage: " + stages);
        assertTrue(stages.get(0).startsWith("maven:") && stages.get(0).contains("17"), stages.toString());
        assertTrue(stages.get(1).contains("17-jre"), stages.toString());
        assertTrue(dockerfile.contains("mvn -B -q -DskipTests -pl cli -am package"));
        Matcher finalName = Pattern.compile("<finalName>(.+)</finalName>").matcher(Files.readString(Path.of("pom.xml")));
        assertTrue(finalName.find());
        String jar = finalName.group(1) + ".jar";
        assertTrue(dockerfile.contains("COPY --from=build /src/cli/target/" + jar + " /opt/ferry/" + jar), dockerfile);
        assertTrue(dockerfile.contains("\"-jar\", \"/opt/ferry/" + jar + "\"]") && dockerfile.contains("ENTRYPOINT [\"java\""), dockerfile);
        String ignore = Files.readString(ROOT.resolve(".dockerignore"));
        assertTrue(ignore.contains("**/target/"), "build output stays out of the context");
    }

    @Test
    void ferryConnectsToBothServersWithTheirOwnCredentials() {
        JsonNode ferry = service("ferry");
        for (String role : List.of("source", "target")) {
            ConnectionSpec spec = ConnectionSpec.parse(ferry.path("environment").path("FERRY_" + role.toUpperCase()).asText());
            JsonNode env = service(role).path("environment");
            assertEquals(role, spec.host());
            assertEquals(5432, spec.port());
            assertEquals(env.path("POSTGRES_DB").asText(), spec.database());
            assertEquals(env.path("POSTGRES_USER").asText(), spec.user());
            assertEquals(env.path("POSTGRES_PASSWORD").asText(), spec.password());
            assertEquals("service_healthy", ferry.path("depends_on").path(role).path("condition").asText());
        }
        assertEquals("check", ferry.path("command").get(0).asText());
        assertTrue(Ferry.commandLine().getSubcommands().containsKey("check"),
                "the compose file runs a subcommand ferry has");
        assertEquals(bindMounts(service("pgbouncer")), bindMounts(ferry),
                "ferry switch rewrites the pgbouncer.ini that PgBouncer reads");
    }
}
