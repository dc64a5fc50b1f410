package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Row;
import java.util.Set;

/** How {@link Compute} gets a value from a row: an {@link Expression} or a {@link Template}. */
public interface Formula {

    /** The columns it reads. */
    Set<String> columns();

    /** The value in PostgreSQL text form, or null for NULL. Every column of {@link #columns()} is present. */
    String evaluateText(Row row);
}
