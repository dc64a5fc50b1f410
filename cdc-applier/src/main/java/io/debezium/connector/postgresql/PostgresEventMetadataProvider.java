package io.debezium.connector.postgresql;

import io.debezium.data.Envelope;
import io.debezium.pipeline.source.spi.EventMetadataProvider;
import io.debezium.pipeline.spi.OffsetContext;
import io.debezium.spi.schema.DataCollectionId;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;

/**
 * Ferry's replacement of Debezium 3.6.3.Final's {@code io.debezium.connector.postgresql.PostgresEventMetadataProvider}
 * (Apache License 2.0, unchanged upstream since DBZ-7698, 2024-03), loaded ahead of Debezium's jar (the CLI's
 * shaded jar leaves Debezium's copy out). {@code PostgresConnectorTask} hard-codes this class, and Debezium's
 * streaming metrics call it for every event; Ferry reads none of those metrics. It differs from upstream so
 * that they cost nothing per event:
 * <ul>
 *   <li>{@link #toSummaryString} returns null: upstream's default prints the event's key through
 *       {@code SchemaUtil}'s Jackson writer, built anew per call ({@code CommonEventMeter.onEvent}; fixed upstream
 *       after 3.6.3 by debezium PR 7886). It was 11-13 % of the stream's CPU samples (bench/RESULTS.md).</li>
 *   <li>{@link #getEventTimestamp} and {@link #getEventSourcePosition} return null: {@code StreamingMeter.onEvent}
 *       then neither hands a lag sample to {@code MeasurementCollector}'s thread nor builds a position map per
 *       event. The only other caller, {@code TransactionMonitor}'s implicit BEGIN/END for an event whose
 *       transaction id differs from the open one, gets its time from Ferry's {@code PostgresTransactionMonitor}.</li>
 * </ul>
 * {@link #getTransactionId} is upstream's: the transaction monitor groups events by it (BEGIN/END records).
 * {@code UpstreamPinTest} fails when Debezium's own class changes: re-read it, then update this class and the
 * pinned hash together; remove this class once a Debezium release with PR 7886 is used and the metrics' per-event
 * cost is measured small.
 */
class PostgresEventMetadataProvider implements EventMetadataProvider {

    @Override
    public Instant getEventTimestamp(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
        return null;
    }

    @Override
    public Map<String, String> getEventSourcePosition(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
        return null;
    }

    @Override
    public String getTransactionId(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
        if (value == null) {
            return null;
        }
        final Struct sourceInfo = value.getStruct(Envelope.FieldName.SOURCE);
        if (source == null) {
            return null;
        }
        Long txId = sourceInfo.getInt64(SourceInfo.TXID_KEY);
        if (txId == null) {
            return null;
        }
        return Long.toString(txId);
    }

    @Override
    public String toSummaryString(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
        return null;
    }
}
