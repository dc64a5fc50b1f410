package dev.ferry.switchover.internal;

import dev.ferry.transforms.TableId;

/**
 * A view or materialized view over an original table (at any depth), as read before the swap.
 *
 * @param definition its query as {@code pg_get_viewdef} prints it under the reading session's search_path
 * @param owner      quoted
 */
record DependentView(TableId id, boolean materialized, String definition, String owner, String comment, String oid) {
    /** How DDL names its kind, with a trailing space. */
    String keyword() {
        return materialized ? "MATERIALIZED VIEW " : "VIEW ";
    }
}
