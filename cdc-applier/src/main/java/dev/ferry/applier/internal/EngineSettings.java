package dev.ferry.applier.internal;

import dev.ferry.applier.debezium.PgTextConverter;
import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.state.RunInfo;
import dev.ferry.transforms.TableId;
import java.util.Collection;
import java.util.Properties;

/**
 * The Debezium PostgreSQL connector settings of a Ferry stream: hand-off from the slot the snapshot created
 * (no snapshot of its own, so exactly the changes after the consistent point), the most exact value modes,
 * transaction boundaries, TRUNCATE, and heartbeats for quiet databases. STACK.md records why each is needed.
 */
public final class EngineSettings {
    private EngineSettings() {}

    /**
     * pgjdbc's {@code options} for Debezium's connections, the replication one included: the value-printing
     * settings of {@link dev.ferry.core.Db#PINNED_SETTINGS}, as PostgreSQL's own subscriber pins them (pgoutput
     * writes values under the walsender's settings). pgjdbc itself sends {@code DateStyle=ISO} and the JVM's time
     * zone as startup parameters, which the server applies after {@code options}: ISO dates print the same in
     * either order, and {@code ferry}'s main sets the JVM's zone to UTC, so the walsender's zone is UTC too.
     */
    /** Records per batch handed to the change loop. */
    static final int MAX_BATCH = 2048;

    static final String REPLICATION_SESSION_OPTIONS = "-c DateStyle=ISO,MDY -c IntervalStyle=postgres "
            + "-c TimeZone=UTC -c extra_float_digits=3 -c bytea_output=hex";

    /**
     * @param tables the migrated tables: Debezium reads the definition of every table its filter admits, and
     *               refuses some (column names that differ only by case) even when they are not published
     */
    public static Properties of(ConnectionSpec source, RunInfo run, String offsetsId, long heartbeatMillis,
                                Collection<TableId> tables) {
        Properties p = new Properties();
        p.setProperty("name", "ferry");
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", StateOffsetStore.class.getName());
        p.setProperty(StateOffsetStore.KEY, offsetsId);
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("database.hostname", source.host());
        p.setProperty("database.port", String.valueOf(source.port()));
        p.setProperty("database.user", source.user());
        p.setProperty("database.password", source.password() == null ? "" : source.password());
        p.setProperty("database.dbname", source.database());
        source.params().forEach((k, v) -> {
            switch (k) {
                case "sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword" -> p.setProperty("database." + k, v);
                default -> { }
            }
        });
        p.setProperty("topic.prefix", "ferry");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", run.slot());
        p.setProperty("publication.name", run.publication());
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("snapshot.mode", "no_data");
        p.setProperty("provide.transaction.metadata", "true");
        p.setProperty("skipped.operations", "none");
        p.setProperty("tombstones.on.delete", "false");
        // No context headers (connector and task names, run id) added to every record and copied by the engine:
        // Ferry reads only the key-change headers the emitter adds (__debezium.oldkey/newkey), which stay.
        p.setProperty("extended.headers.enabled", "false");
        // Every value as pgoutput's text (dev.ferry.applier.debezium): the converter claims every column, so the
        // value modes below decide only how Debezium parses column defaults for its schemas (never used by Ferry).
        p.setProperty("converters", "pgtext");
        p.setProperty("pgtext.type", PgTextConverter.class.getName());
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("time.precision.mode", "isostring");
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("include.unknown.datatypes", "true"); // else Debezium leaves columns of unknown types out
        // pgoutput writes values under the replication session's settings: the same as Ferry's own sessions.
        // Later -c settings win: a user's own options first, then the pinned ones.
        String own = source.params().get("options");
        p.setProperty("database.options", own == null ? REPLICATION_SESSION_OPTIONS : own + " " + REPLICATION_SESSION_OPTIONS);
        p.setProperty("table.include.list", includeList(tables));
        p.setProperty("heartbeat.interval.ms", String.valueOf(heartbeatMillis));
        // A heartbeat alone does not move the slot while the migrated tables are idle: Debezium confirms only
        // positions of messages it decoded, so WAL written elsewhere on the server (other databases, tables not
        // migrated) would be retained without bound. A tiny transactional logical message on each heartbeat is
        // decoded, applied as an empty transaction, and confirmed (StreamGuardsIT).
        p.setProperty("heartbeat.action.query", "SELECT pg_logical_emit_message(true, 'ferry.heartbeat', '')");
        p.setProperty("slot.drop.on.stop", "false");
        p.setProperty("status.update.interval.ms", "1000");
        // Batches large enough that the per-batch work (an offset flush, a target commit of the held transactions)
        // is small beside them. The queue holds a few batches and no more: in a drain decoding runs ahead of
        // apply and the queue stays full, and everything in it is live data every young collection copies (a
        // queue of 32k records grew the live heap to 140 MB and the collections to 0.5-1 s each; two batches
        // instead of four cut a single-row drain's GC pauses from 11-13 s to 7-8 s and drained faster, A/B).
        p.setProperty("max.batch.size", String.valueOf(MAX_BATCH));
        p.setProperty("max.queue.size", String.valueOf(2 * MAX_BATCH));
        // Bounds the engine's memory by bytes too: a queue of huge rows must not grow with them.
        p.setProperty("max.queue.size.in.bytes", String.valueOf(16L << 20));
        p.setProperty("poll.interval.ms", "50");
        p.setProperty("errors.max.retries", "0");
        p.setProperty("schema.refresh.mode", "columns_diff_exclude_unchanged_toast");
        return p;
    }

    /**
     * Debezium's {@code table.include.list} naming exactly these tables: comma-separated regular expressions
     * matched, case-insensitively, against {@code schema.table}. Every character but letters, digits and
     * {@code _} is written as {@code \x{hex}}, so dots, commas (Debezium's separator), spaces (it trims) and
     * regex syntax in a name mean themselves; {@code (?-i)} makes the match exact in case.
     */
    static String includeList(Collection<TableId> tables) {
        StringBuilder sb = new StringBuilder();
        for (TableId t : tables) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append("(?-i)");
            literal(sb, t.schema());
            sb.append("\\.");
            literal(sb, t.name());
        }
        return sb.toString();
    }

    private static void literal(StringBuilder sb, String name) {
        name.codePoints().forEach(cp -> {
            if (cp < 128 && (Character.isLetterOrDigit(cp) || cp == '_')) {
                sb.appendCodePoint(cp);
            } else {
                sb.append("\\x{").append(Integer.toHexString(cp)).append('}');
            }
        });
    }
}
