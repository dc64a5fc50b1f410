package dev.ferry.transforms;

import java.util.Map;

/**
 * Entry point of a custom transform jar: list the implementation in
 * {@code META-INF/services/dev.ferry.transforms.TransformProvider}, and reference {@link #type()} from the
 * {@code transforms:} section of {@code ferry.yml}.
 */
public interface TransformProvider {

    /** The {@code type:} value in ferry.yml that selects this provider. */
    String type();

    /** Builds a transform from its ferry.yml options (strings, numbers, lists and maps as YAML gives them). */
    Transform create(Map<String, Object> options);

    /**
     * Builds a transform that may use run-time services, such as the {@link Lookup} of
     * {@link TransformContext#lookup()}. Override this one instead of {@link #create(Map)} when you need them.
     */
    default Transform create(Map<String, Object> options, TransformContext context) {
        return create(options);
    }
}
