package dev.ferry.cli;

import dev.ferry.core.FerryException;
import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformContext;
import dev.ferry.transforms.config.TransformConfig;

/** Builds the transform chain configured under {@code transforms:} in ferry.yml. */
final class Transforms {
    private Transforms() {}

    /**
     * @param lookup reads other source tables for enrichment; null where no lookup is possible (diff)
     */
    static TransformChain chain(Settings settings, Lookup lookup) {
        TransformChain configured = configured(settings, lookup);
        return settings.inPlace() == null ? configured : settings.inPlace().extend(configured);
    }

    /** The chain of ferry.yml alone, without what an in-place run adds around it. */
    static TransformChain configured(Settings settings, Lookup lookup) {
        if (settings.file().transforms() == null || settings.file().transforms().isEmpty()) {
            return TransformChain.identity();
        }
        try {
            return TransformConfig.build(settings.file().transforms(),
                    lookup == null ? TransformContext.NONE : TransformContext.of(lookup));
        } catch (IllegalArgumentException e) {
            throw FerryException.usage(e.getMessage());
        }
    }
}
