package dev.ferry.core.objects;

import java.sql.Connection;

/**
 * The snapshot's schema step calls these around its own work (types, sequences, tables), on its target connection,
 * in this order. Each creates only what the target lacks, so a resumed snapshot calls them again safely. What
 * comes after the copy is {@link ObjectMigration#afterCopy}.
 */
public interface ObjectSteps {
    /** Roles, schemas, extensions, collations: before the types the tables use. */
    void beforeTypes(Connection target);

    /**
     * Functions, aggregates, operators, casts, sequences: before the tables whose defaults and checks use them.
     *
     * @param createdSince the caller created objects on {@code target} since {@link #beforeTypes} (types, sequences,
     *                     the transforms' setup): only then is what the target has read again
     */
    void beforeTables(Connection target, boolean createdSince);

    /** Views and materialized views (empty), and functions whose SQL bodies name the tables. */
    void afterTables(Connection target);

    /** Carries nothing: for callers that move tables only. */
    ObjectSteps NONE = new ObjectSteps() {
        @Override
        public void beforeTypes(Connection target) {}

        @Override
        public void beforeTables(Connection target, boolean createdSince) {}

        @Override
        public void afterTables(Connection target) {}
    };
}
