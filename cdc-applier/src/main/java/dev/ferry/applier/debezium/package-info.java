/**
 * What Ferry puts into Debezium 3.6.3.Final so that the stream applies pgoutput's own text. Two pieces, used
 * together ({@link dev.ferry.applier.internal.EngineSettings} turns them on):
 * <ul>
 *   <li>{@code io.debezium.connector.postgresql.connection.pgoutput.PgOutputReplicationMessage}, a replacement
 *       of Debezium's class of that name (loaded ahead of Debezium's jar; the CLI's shaded jar leaves Debezium's
 *       copy out), whose {@code getValue} returns the text pgoutput sent instead of a parsed Java value;</li>
 *   <li>{@link dev.ferry.applier.debezium.PgTextConverter}, a Debezium {@code CustomConverter} (the supported
 *       hook, {@code converters=}) that declares every column a string, so {@code PostgresValueConverter} never
 *       coerces that text, and turns Debezium's unchanged-TOAST objects into Ferry's out-of-band marker.</li>
 * </ul>
 * Three more replacements, in Debezium's own packages, cut per-event work that serves nothing Ferry reads (the
 * stream-speed issue): {@code io.debezium.connector.postgresql.PostgresEventMetadataProvider} (no summary string,
 * lag sample or position map per event for the streaming metrics),
 * {@code io.debezium.connector.postgresql.pipeline.txmetadata.PostgresTransactionMonitor} (no transaction block
 * per change event; BEGIN/END records unchanged) and {@code io.debezium.connector.postgresql.PostgresChangeRecordEmitter}
 * (no per-tuple copy of the toastable-column set nor list to count columns: upstream's own fixes after 3.6.3).
 * Debezium hard-codes all three; no setting turns that work off.
 * {@code UpstreamPinTest} pins the upstream classes these depend on by the hash of their bytes in Debezium's jar.
 */
package dev.ferry.applier.debezium;
