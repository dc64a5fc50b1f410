package io.debezium.connector.postgresql.connection.pgoutput;

import io.debezium.connector.postgresql.PostgresStreamingChangeEventSource.PgConnectionSupplier;
import io.debezium.connector.postgresql.PostgresType;
import io.debezium.connector.postgresql.TypeRegistry;
import io.debezium.connector.postgresql.connection.ReplicationMessage;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

/**
 * Ferry's replacement of Debezium 3.6.3.Final's
 * {@code io.debezium.connector.postgresql.connection.pgoutput.PgOutputReplicationMessage} (Apache License 2.0,
 * unchanged upstream since DBZ-703, 2022-04), loaded ahead of Debezium's jar. It differs in one place:
 * {@link #getValue} hands back the text pgoutput sent instead of parsing it through
 * {@code ReplicationMessageColumnValueResolver}, so every value reaches Ferry exactly as PostgreSQL wrote it
 * (Debezium's parsing loses timetz offsets, array bounds and dimensions, varbit lengths, XML declarations, and
 * fails on arrays of enums or composites). {@link dev.ferry.applier.debezium.PgTextConverter} then keeps
 * Debezium's value converter from coercing that text. Everything else is the upstream class's behaviour.
 *
 * <p>{@code UpstreamPinTest} fails when Debezium's own class changes: re-read it, then update this class and the
 * pinned hash together.
 */
public class PgOutputReplicationMessage implements ReplicationMessage {
    private final Operation op;
    private final Instant commitTimestamp;
    private final Long transactionId;
    private final String table;
    private final List<Column> oldColumns;
    private final List<Column> newColumns;

    public PgOutputReplicationMessage(Operation op, String table, Instant commitTimestamp, Long transactionId,
                                      List<Column> oldColumns, List<Column> newColumns) {
        this.op = op;
        this.commitTimestamp = commitTimestamp;
        this.transactionId = transactionId;
        this.table = table;
        this.oldColumns = oldColumns;
        this.newColumns = newColumns;
    }

    @Override
    public Operation getOperation() {
        return op;
    }

    @Override
    public Instant getCommitTime() {
        return commitTimestamp;
    }

    @Override
    public OptionalLong getTransactionId() {
        return transactionId == null ? OptionalLong.empty() : OptionalLong.of(transactionId);
    }

    @Override
    public String getTable() {
        return table;
    }

    @Override
    public List<Column> getOldTupleList() {
        return oldColumns;
    }

    @Override
    public List<Column> getNewTupleList() {
        return newColumns;
    }

    @Override
    public boolean isLastEventForLsn() {
        return true;
    }

    @Override
    public boolean shouldSchemaBeSynchronized() {
        return false;
    }

    /**
     * The column's value as pgoutput's text, untouched. Upstream parses it into a Java value here; Ferry applies
     * the text itself, so there is nothing to parse and nothing to lose. Called by {@code PgOutputMessageDecoder}
     * for every column sent as text ('t'); unchanged TOAST ('u') and NULL ('n') never reach it.
     *
     * @return the text, never null
     */
    public static Object getValue(String columnName, PostgresType type, String fullType, String rawValue,
                                  PgConnectionSupplier connection, boolean includeUnknownDataTypes,
                                  TypeRegistry typeRegistry) {
        return rawValue;
    }
}
