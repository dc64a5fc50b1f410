package dev.ferry.core.catalog;

/**
 * A secondary index. {@code definition} is {@code pg_get_indexdef}, schema-qualified, replayable on the target
 * (after renaming the table when a transform renames it).
 *
 * @param constraint true when the index backs a UNIQUE or EXCLUDE constraint (created through that constraint)
 */
public record IndexInfo(String name, String definition, boolean unique, boolean constraint) {}
