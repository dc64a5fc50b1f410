package dev.ferry.applier.internal;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.StateStore;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * Debezium's offsets, kept in the state store on the target ({@code ferry.offsets}) instead of a side file, so
 * the target is the one place that knows where a run stands. Debezium writes them only after Ferry marked the
 * records processed, that is after the target committed them; the applied LSN stays the arbiter of what to
 * skip. Debezium instantiates this class itself: its target is handed over through {@link #register}.
 */
public final class StateOffsetStore extends MemoryOffsetBackingStore {
    /** The engine property naming the registration. */
    public static final String KEY = "ferry.offsets.registration";
    private static final Map<String, Registration> REGISTRY = new ConcurrentHashMap<>();

    private record Registration(ConnectionSpec target, String schema) {}

    private Registration registration;
    private Connection connection;

    public static void register(String id, ConnectionSpec target, String schema) {
        REGISTRY.put(id, new Registration(target, schema));
    }

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Object id = config.originals().get(KEY);
        registration = id == null ? null : REGISTRY.get(id.toString());
        if (registration == null) {
            throw new IllegalStateException("StateOffsetStore used without registration (" + KEY + ")");
        }
    }

    @Override
    public synchronized void start() {
        super.start();
        try (StateStore store = StateStore.open(registration.target(), registration.schema())) {
            Base64.Decoder b64 = Base64.getDecoder();
            store.offsets().forEach((k, v) -> data.put(ByteBuffer.wrap(b64.decode(k)),
                    v == null ? null : ByteBuffer.wrap(b64.decode(v))));
        }
    }

    @Override
    protected void save() {
        Base64.Encoder b64 = Base64.getEncoder();
        Map<String, String> out = new HashMap<>();
        data.forEach((k, v) -> out.put(b64.encodeToString(bytes(k)), v == null ? null : b64.encodeToString(bytes(v))));
        try {
            if (connection == null || connection.isClosed()) {
                connection = Db.open(registration.target(), "target", "offsets");
            }
            StateStore.saveOffsets(connection, registration.schema(), out);
        } catch (SQLException e) {
            closeConnection();
            throw ServerErrors.during("saving stream offsets", "target", e);
        }
    }

    @Override
    public synchronized void stop() {
        super.stop();
        closeConnection();
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // reopened on the next save
            }
            connection = null;
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Set.of();
    }
}
