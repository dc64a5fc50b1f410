package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pgoutput prints {@code timestamptz} in the walsender's zone, which pgjdbc sets from the JVM's: Ferry pins it to
 * UTC whatever zone it runs in. The journal holds the text exactly as the stream received it.
 */
class ReplicationZoneIT extends SnapshotServers {
    @TempDir
    Path tmp;

    @Test
    void theStreamReadsTimestampsInUtcWhenFerryRunsInAnotherZone() throws Exception {
        String db = "zone";
        createDatabases(db);
        servers.source().execute(db, "CREATE TABLE t (id int PRIMARY KEY, at timestamptz)");
        Path journal = tmp.resolve("journal");
        try (RunningFerry ferry = RunningFerry.startWithEnv(tmp.resolve(db + ".log"), Map.of("TZ", "Asia/Kolkata"),
                "start", "--source", servers.source().uri(db), "--target", servers.target().uri(db),
                "--slot", "slot_" + db, "--publication", "pub_" + db, "--journal", journal.toString())) {
            Duration catchUp = Duration.ofSeconds(120);
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            servers.source().execute(db, "INSERT INTO t VALUES (1, '2026-06-01 12:00:00+00')");
            ferry.awaitCaughtUp(servers.source(), servers.target(), db, catchUp);
            String text;
            try (Stream<Path> files = Files.list(journal)) {
                text = files.map(f -> {
                    try {
                        return Files.readString(f);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).reduce("", String::concat);
            }
            assertTrue(text.contains("2026-06-01 12:00:00+00"), text + "\n" + ferry.output());
        }
    }
}
