package dev.ferry.core.catalog;

import dev.ferry.transforms.TableId;

/**
 * A table constraint other than the primary key and NOT NULL. {@code definition} is
 * {@code pg_get_constraintdef}, e.g. {@code FOREIGN KEY (user_id) REFERENCES public.users(id)}.
 *
 * @param references the referenced table of a foreign key, otherwise null
 */
public record ConstraintInfo(String name, Kind kind, String definition, TableId references) {
    public enum Kind { UNIQUE, CHECK, FOREIGN_KEY, EXCLUSION }
}
