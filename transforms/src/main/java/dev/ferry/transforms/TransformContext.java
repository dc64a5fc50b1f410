package dev.ferry.transforms;

import java.util.Objects;

/**
 * What built-in and custom transforms may use at run time besides the row: today the {@link Lookup} that
 * enrichment reads other source tables through. Given once when the chain is built
 * ({@code TransformConfig.build(entries, context)}), so the same transform instances serve the snapshot and the
 * stream.
 *
 * <p>The lookup is called on the threads that call {@link TransformChain#apply}: several snapshot workers at
 * once, then the stream. The implementation (in {@code core}) decides which connection answers, e.g. the calling
 * snapshot worker's connection under the exported snapshot, or a stream connection reading the current state.
 */
public record TransformContext(Lookup lookup) {

    /** No lookup: a transform that needs one fails when it first looks something up, naming the fix. */
    public static final TransformContext NONE = new TransformContext((table, key) -> {
        throw new IllegalStateException("no lookup is available to read " + table + " here; enrichment "
                + "transforms need Ferry to supply a source connection (build the chain with a Lookup)");
    });

    public TransformContext {
        Objects.requireNonNull(lookup, "lookup");
    }

    public static TransformContext of(Lookup lookup) {
        return new TransformContext(lookup);
    }
}
