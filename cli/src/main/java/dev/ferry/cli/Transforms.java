package dev.ferry.cli;

import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.TransformChain;

/** Builds the transform chain configured under {@code transforms:} in ferry.yml. */
final class Transforms {
    private Transforms() {}

    /**
     * @param lookup reads other source tables for enrichment; null where no lookup is possible (diff)
     */
    static TransformChain chain(Settings settings, Lookup lookup) {
        if (settings.file().transforms() == null || settings.file().transforms().isEmpty()) {
            return TransformChain.identity();
        }
        throw dev.ferry.core.FerryException.usage("transforms in ferry.yml are not supported by this build yet");
    }
}
