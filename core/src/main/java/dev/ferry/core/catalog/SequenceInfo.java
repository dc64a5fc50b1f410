package dev.ferry.core.catalog;

import dev.ferry.transforms.TableId;

/**
 * A sequence and, when a column owns it (serial, identity), that column.
 *
 * @param type       {@code smallint}, {@code integer} or {@code bigint}
 * @param ownerTable the owning table, or null
 * @param ownerColumn the owning column, or null
 * @param identity   true when it belongs to an identity column (created with the column, not separately)
 */
public record SequenceInfo(TableId id, String type, long start, long increment, long min, long max, long cache,
                           boolean cycle, TableId ownerTable, String ownerColumn, boolean identity) {}
