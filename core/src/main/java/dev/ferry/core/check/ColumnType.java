package dev.ferry.core.check;

import dev.ferry.transforms.TableId;

/**
 * A type one source column is built from: its own type, or an element, base or attribute type reached through
 * arrays, domains and composites.
 *
 * @param shownType the column's declared type, as {@code format_type} writes it
 * @param schema    the schema of the reached type
 * @param name      the reached type's name, e.g. {@code oid}, {@code citext}
 * @param extension the extension that owns the reached type, or null
 */
record ColumnType(TableId table, String column, String shownType, String schema, String name, String extension) {

    String columnName() {
        return table + "." + column;
    }

    boolean builtin(String typeName) {
        return schema.equals("pg_catalog") && name.equals(typeName);
    }
}
