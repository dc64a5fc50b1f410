package io.debezium.connector.postgresql.pipeline.txmetadata;

import io.debezium.config.CommonConnectorConfig;
import io.debezium.connector.postgresql.PostgresOffsetContext;
import io.debezium.function.BlockingConsumer;
import io.debezium.pipeline.source.spi.EventMetadataProvider;
import io.debezium.pipeline.spi.OffsetContext;
import io.debezium.pipeline.txmetadata.TransactionMonitor;
import io.debezium.schema.SchemaNameAdjuster;
import java.time.Instant;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Ferry's replacement of Debezium 3.6.3.Final's
 * {@code io.debezium.connector.postgresql.pipeline.txmetadata.PostgresTransactionMonitor} (Apache License 2.0,
 * unchanged upstream since DBZ-7698, 2024-03), loaded ahead of Debezium's jar (the CLI's shaded jar leaves
 * Debezium's copy out). {@code PostgresEventDispatcher} hard-codes this class. It differs from upstream in three
 * places:
 * <ul>
 *   <li>{@link #prepareTxStruct} returns null, so a change event's optional {@code transaction} block stays
 *       empty: upstream builds a Struct and formats {@code "txid:lsn"} for every event, and Ferry reads the
 *       transaction from the event's {@code source.txId} and from the BEGIN/END records, which stay as upstream
 *       builds them (their ids, counts, and the offsets' {@code lsn_commit}).</li>
 *   <li>A BEGIN/END value given no time takes the event's source time from the offset: Ferry's
 *       {@code PostgresEventMetadataProvider} answers no event timestamps, and upstream would fail on null.</li>
 *   <li>The BEGIN/END id {@code "txid:lsn"} is concatenated, not built by {@code String.format} (a Formatter
 *       and its parse of the pattern, four times per source transaction); the text is the same.</li>
 * </ul>
 * {@code UpstreamPinTest} fails when Debezium's own class changes: re-read it, then update this class and the
 * pinned hash together.
 */
public class PostgresTransactionMonitor extends TransactionMonitor {

    public PostgresTransactionMonitor(CommonConnectorConfig connectorConfig, EventMetadataProvider eventMetadataProvider,
                                      SchemaNameAdjuster schemaNameAdjuster, BlockingConsumer<SourceRecord> sender,
                                      String topicName) {
        super(connectorConfig, eventMetadataProvider, schemaNameAdjuster, sender, topicName);
    }

    @Override
    protected Struct prepareTxKey(OffsetContext offsetContext) {
        return adjustTxId(new Struct(transactionKeySchema), offsetContext);
    }

    @Override
    protected Struct prepareTxBeginValue(OffsetContext offsetContext, Instant timestamp) {
        return adjustTxId(super.prepareTxBeginValue(offsetContext, orSourceTime(timestamp, offsetContext)), offsetContext);
    }

    @Override
    protected Struct prepareTxEndValue(OffsetContext offsetContext, Instant timestamp) {
        return adjustTxId(super.prepareTxEndValue(offsetContext, orSourceTime(timestamp, offsetContext)), offsetContext);
    }

    @Override
    protected Struct prepareTxStruct(OffsetContext offsetContext, long dataCollectionEventOrder, Struct value) {
        return null;
    }

    private Struct adjustTxId(Struct txStruct, OffsetContext offsetContext) {
        final String lsn = Long.toString(((PostgresOffsetContext) offsetContext).asOffsetState().lastSeenLsn().asLong());
        final String txId = offsetContext.getTransactionContext().getTransactionId();
        txStruct.put(DEBEZIUM_TRANSACTION_ID_KEY, txId + ":" + lsn);
        return txStruct;
    }

    private static Instant orSourceTime(Instant timestamp, OffsetContext offsetContext) {
        if (timestamp != null) {
            return timestamp;
        }
        Object ms = offsetContext.getSourceInfo().get("ts_ms");
        return ms instanceof Long l ? Instant.ofEpochMilli(l) : Instant.EPOCH;
    }
}
