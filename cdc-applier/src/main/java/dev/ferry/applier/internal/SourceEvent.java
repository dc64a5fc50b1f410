package dev.ferry.applier.internal;

import dev.ferry.core.Lsn;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * What one Debezium record means to the apply loop. Debezium (with {@code provide.transaction.metadata}) wraps each
 * source transaction in BEGIN and END records on the {@code <prefix>.transaction} topic; between them come the
 * data changes and logical messages of that transaction. Heartbeats come on their own topic whenever Debezium
 * chooses, including in the middle of a transaction and between a transaction's COMMIT and its END record
 * ({@code PostgresStreamingChangeEventSource.commitMessage}), which is why their offsets may only be confirmed
 * between transactions.
 */
sealed interface SourceEvent {

    /** The prefix of the switch's fence message ({@code pg_logical_emit_message(true, 'ferry.fence', ...)}). */
    String FENCE_PREFIX = "ferry.fence";

    /** A source transaction begins. */
    record Begin(long xid) implements SourceEvent {}

    /**
     * A source transaction ends; {@code commit} is its commit LSN (the offset's {@code lsn_commit}), the only
     * position that orders transactions: changes' own LSNs interleave across concurrent transactions.
     */
    record End(long xid, Lsn commit, Instant at) implements SourceEvent {}

    /** A row change (or TRUNCATE) of some table; its record is read by the loop. */
    record Change(SourceRecord record, Lsn lsn) implements SourceEvent {}

    /** A logical decoding message; the switch's fence is one, recognised by its prefix. */
    record Message(String prefix) implements SourceEvent {
        boolean isFence() {
            return FENCE_PREFIX.equals(prefix);
        }
    }

    /** A heartbeat; {@code lastCommit} is the commit LSN of the last transaction Debezium decoded, or null. */
    record Heartbeat(Lsn lastCommit) implements SourceEvent {}

    /** Anything else (schema change records and the like): ignored. */
    record Other() implements SourceEvent {}

    static SourceEvent of(SourceRecord r) {
        String topic = r.topic();
        if (topic.startsWith("__debezium-heartbeat")) {
            return new Heartbeat(lsn(r.sourceOffset(), "lsn_commit"));
        }
        if (topic.endsWith(".transaction") && r.value() instanceof Struct v) {
            long xid = xid(r.sourceOffset());
            return switch (v.getString("status")) {
                case "BEGIN" -> new Begin(xid);
                case "END" -> new End(xid, lsn(r.sourceOffset(), "lsn_commit"),
                        v.get("ts_ms") == null ? null : Instant.ofEpochMilli(v.getInt64("ts_ms")));
                default -> new Other();
            };
        }
        if (topic.endsWith(".message")) {
            return new Message(r.key() instanceof Struct k && k.schema().field("prefix") != null
                    ? k.getString("prefix") : null);
        }
        if (r.value() instanceof Struct v && hasField(v, "op") && hasField(v, "source")) {
            Struct src = v.getStruct("source");
            return new Change(r, src != null && src.get("lsn") != null ? new Lsn(src.getInt64("lsn")) : null);
        }
        return new Other();
    }

    private static boolean hasField(Struct s, String name) {
        Field f = s.schema().field(name);
        return f != null;
    }

    private static Lsn lsn(Map<String, ?> offset, String key) {
        return offset != null && offset.get(key) instanceof Number n ? new Lsn(n.longValue()) : null;
    }

    private static long xid(Map<String, ?> offset) {
        return offset != null && offset.get("txId") instanceof Number n ? n.longValue() : -1;
    }
}
