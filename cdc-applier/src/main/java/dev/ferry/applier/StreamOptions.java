package dev.ferry.applier;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.TransformChain;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * What {@link Stream} needs. The run itself (slot, publication, tables, applied position) comes from the state
 * store on the target.
 *
 * @param transforms builds the chain given a lookup over the stream's own source connection (enrichment)
 * @param journal    directory for the change journal, or null
 * @param onError    what a failing transform does
 * @param heartbeat  how often Debezium moves the slot on when the migrated tables are idle
 */
public record StreamOptions(ConnectionSpec source, ConnectionSpec target, String stateSchema,
                            Function<Lookup, TransformChain> transforms, Path journal, OnError onError,
                            Duration heartbeat) {

    public enum OnError { STOP, DEAD_LETTER }

    public static StreamOptions of(ConnectionSpec source, ConnectionSpec target) {
        return new StreamOptions(source, target, "ferry", l -> TransformChain.identity(), null, OnError.STOP,
                Duration.ofSeconds(5));
    }

    public StreamOptions withJournal(Path dir) {
        return new StreamOptions(source, target, stateSchema, transforms, dir, onError, heartbeat);
    }

    public StreamOptions withTransforms(Function<Lookup, TransformChain> t, OnError mode) {
        return new StreamOptions(source, target, stateSchema, t, journal, mode, heartbeat);
    }

    public StreamOptions withStateSchema(String schema) {
        return new StreamOptions(source, target, schema, transforms, journal, onError, heartbeat);
    }
}
