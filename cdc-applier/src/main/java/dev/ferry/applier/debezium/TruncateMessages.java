package dev.ferry.applier.debezium;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands a TRUNCATE message's options from Ferry's pgoutput decoder (Debezium's engine thread) to the change loop
 * (the consumer), since the records Debezium builds from the message have no place for them. The decoder posts
 * one entry per table of the message before Debezium queues that table's record, so the loop always finds the
 * entry of the record it reads; entries of tables Debezium filters out are dropped when a later one is taken.
 * Keyed by slot: several engines may run in one JVM.
 */
public final class TruncateMessages {
    /** Bounds what tables filtered out of the stream can leave behind. */
    private static final int LIMIT = 10_000;
    private static final Map<String, Deque<Posted>> BY_SLOT = new ConcurrentHashMap<>();

    private record Posted(long xid, String schema, String table, TruncateOptions options) {}

    private TruncateMessages() {}

    /** Called by the decoder for each table of a TRUNCATE message, before its record is emitted. */
    public static void post(String slot, Long xid, String schema, String table, int flags) {
        Deque<Posted> q = BY_SLOT.computeIfAbsent(slot, s -> new ArrayDeque<>());
        synchronized (q) {
            if (q.size() >= LIMIT) {
                q.removeFirst();
            }
            q.addLast(new Posted(xid == null ? -1 : xid, schema, table, TruncateOptions.ofFlags(flags)));
        }
    }

    /**
     * The options of the TRUNCATE record of {@code schema.table} in transaction {@code xid}; entries posted before
     * it are dropped with it. {@link TruncateOptions#NONE} when nothing was posted for it (the message was decoded
     * by another process, which cannot happen while Ferry's decoder is the one loaded).
     */
    public static TruncateOptions take(String slot, long xid, String schema, String table) {
        Deque<Posted> q = BY_SLOT.get(slot);
        if (q == null) {
            return TruncateOptions.NONE;
        }
        synchronized (q) {
            int n = 0;
            for (Posted p : q) {
                n++;
                if (p.xid() == xid && p.schema().equals(schema) && p.table().equals(table)) {
                    Iterator<Posted> it = q.iterator();
                    for (int i = 0; i < n; i++) {
                        it.next();
                        it.remove();
                    }
                    return p.options();
                }
            }
            return TruncateOptions.NONE;
        }
    }
}
