package dev.ferry.core.state;

/**
 * One unit of copy work: a table, or a range of it.
 *
 * @param kind     {@code all} (whole table), {@code ctid} (a block range, only under the exported snapshot) or
 *                 {@code key} (a primary-key range, usable from any snapshot)
 * @param lower    inclusive lower bound in text form (ctid block number, or the key's text), null for unbounded
 * @param upper    exclusive upper bound, null for unbounded
 * @param done     true once its rows are committed on the target
 */
public record ChunkState(String schema, String table, int chunk, String kind, String lower, String upper,
                         boolean done, long rows, long bytes) {}
