package dev.ferry.core.state;

import dev.ferry.core.Lsn;
import dev.ferry.transforms.TableId;

/**
 * A unique index or constraint of a table copied from a fresh snapshot, which must wait until the stream has
 * applied past {@code after}: until then changes the copy already holds may be applied again and collide.
 *
 * @param table         the target table
 * @param name          the index's name (for a constraint, its own name, which its index shares)
 * @param indexSql      {@code CREATE UNIQUE INDEX IF NOT EXISTS ...}, built concurrently; null for an exclusion
 *                      constraint, which can only be added with its index
 * @param constraintSql the {@code ALTER TABLE ... ADD CONSTRAINT} that follows (with {@code USING INDEX} when
 *                      {@code indexSql} is given); null for a plain unique index
 */
public record DeferredIndex(TableId table, String name, String indexSql, String constraintSql, Lsn after) {}
