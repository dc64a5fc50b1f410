package dev.ferry.applier.debezium;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.debezium.connector.postgresql.PostgresConnector;
import io.debezium.connector.postgresql.connection.pgoutput.PgOutputMessageDecoder;
import io.debezium.connector.postgresql.connection.pgoutput.PgOutputReplicationMessage;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Ferry's pgoutput text mirrors Debezium 3.6.3.Final: these are the upstream classes it replaces or relies on,
 * pinned by the SHA-256 of their bytes in Debezium's jar. When one fails, Debezium changed: read the new class,
 * adjust {@code PgOutputReplicationMessage} or {@code PgOutputMessageDecoder} (or {@link PgTextConverter}), then
 * update the hash. {@code PostgresEventMetadataProvider}, {@code PostgresTransactionMonitor} and
 * {@code PostgresChangeRecordEmitter} are the stream-speed replacements (Debezium's per-event metrics, transaction
 * blocks and column-value copies), pinned the same way.
 */
class UpstreamPinTest {
    private static final String PG = "io/debezium/connector/postgresql/";

    /**
     * The classes replaced (the message, and the decoder that builds it and drops TRUNCATE's options), the TOAST
     * markers, and the three classes replaced to cut per-event work: metrics, transaction blocks, and the emitter's
     * column-value copies (the emitter also fills TOAST from RI FULL).
     */
    private static final Map<String, String> PINNED = Map.of(
            PG + "connection/pgoutput/PgOutputReplicationMessage.class",
            "05c9f122413fa55a39f2a166009328d18080d5b8ab6981d189fdae6dfd1c0c09",
            PG + "connection/pgoutput/PgOutputMessageDecoder.class",
            "4edf90716d4d4d7b1bd1e6a80ac3bad072dc5a10df11b6fed2e51768e318dd49",
            PG + "UnchangedToastedReplicationMessageColumn.class",
            "c28b9f9c43034d7afc7aedb257f7807a29b500f7b57840ef1a5fc5840e3dfeda",
            // The stream-speed replacements: Debezium's metrics', transaction metadata's and emitter's per-event work.
            PG + "PostgresChangeRecordEmitter.class",
            "bd241bc38322432a332954fc3329248414f24fead8ffb72f4a67ff22e9645ee1",
            PG + "PostgresEventMetadataProvider.class",
            "52585dadbfd3e0521997492955ff6b8da868de7a4b48c117a8ff60f11075a49b",
            PG + "pipeline/txmetadata/PostgresTransactionMonitor.class",
            "4da959274677918c89264eb2098c7ac9964d4af9ceeaab793ff4d427c6865279");

    @Test
    void theUpstreamClassesAreTheOnesTheReplacementMirrors() throws Exception {
        Map<String, String> actual = new TreeMap<>();
        try (ZipFile jar = new ZipFile(debeziumJar().toFile())) {
            for (String entry : PINNED.keySet()) {
                try (InputStream in = jar.getInputStream(jar.getEntry(entry))) {
                    actual.put(entry, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes())));
                }
            }
        }
        assertEquals(new TreeMap<>(PINNED), actual, "Debezium's classes changed: re-read them (see the Javadoc)");
    }

    @Test
    void ferrysReplacementsAreTheOnesLoaded() throws Exception {
        URL ours = PgOutputReplicationMessage.class.getProtectionDomain().getCodeSource().getLocation();
        assertNotEquals(debeziumJar().toUri().toURL(), ours, "Debezium's PgOutputReplicationMessage is loaded first");
        URL decoder = PgOutputMessageDecoder.class.getProtectionDomain().getCodeSource().getLocation();
        assertNotEquals(debeziumJar().toUri().toURL(), decoder, "Debezium's PgOutputMessageDecoder is loaded first");
        assertEquals("10:00:00+05", PgOutputReplicationMessage.getValue("c", null, "timetz", "10:00:00+05", null, true, null));
        for (String name : new String[] {"io.debezium.connector.postgresql.PostgresEventMetadataProvider",
                "io.debezium.connector.postgresql.pipeline.txmetadata.PostgresTransactionMonitor",
                "io.debezium.connector.postgresql.PostgresChangeRecordEmitter"}) {
            URL loaded = Class.forName(name).getProtectionDomain().getCodeSource().getLocation();
            assertNotEquals(debeziumJar().toUri().toURL(), loaded, "Debezium's " + name + " is loaded first");
        }
    }

    private static Path debeziumJar() throws Exception {
        return Path.of(PostgresConnector.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
