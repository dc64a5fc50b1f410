package dev.ferry.transforms;

/**
 * One column of a table as the catalog describes it.
 *
 * @param type        the full SQL type as {@code format_type} writes it, e.g. {@code numeric(38,10)},
 *                    {@code public.mood[]}, {@code character varying(20)}; used verbatim in DDL and casts
 * @param builtin     true when the type (and, for arrays, its element) is built into PostgreSQL, so its
 *                    binary COPY form carries no server-specific OIDs
 * @param defaultExpr the default expression, or null; never set for generated columns
 * @param generatedExpr for {@code GENERATED ALWAYS AS (...) STORED} columns the expression, otherwise null:
 *                    such columns are recomputed on the target, never copied
 * @param identity    {@code a} (always), {@code d} (by default) or null
 * @param collation   a non-default collation name (quoted form), or null
 */
public record Column(
        String name,
        String type,
        boolean builtin,
        boolean notNull,
        String defaultExpr,
        String generatedExpr,
        String identity,
        String collation) {

    /** A plain nullable column of a built-in type; handy for transforms that add columns. */
    public static Column of(String name, String type) {
        return new Column(name, type, true, false, null, null, null, null);
    }

    public boolean generated() {
        return generatedExpr != null;
    }

    public Column withName(String newName) {
        return new Column(newName, type, builtin, notNull, defaultExpr, generatedExpr, identity, collation);
    }

    public Column withType(String newType, boolean newBuiltin) {
        return new Column(name, newType, newBuiltin, notNull, defaultExpr, generatedExpr, identity, collation);
    }

    /**
     * The type a sequence this column owns (serial default {@code nextval(...)} or identity) must have on the
     * target: the column's integer type, so that a column widened from {@code integer} to {@code bigint} gets
     * a {@code bigint} sequence (created {@code AS bigint}, its MAXVALUE the bigint maximum when the source
     * sequence had the integer maximum). Null when the column owns no sequence or is not an integer type.
     */
    public String sequenceType() {
        boolean owns = identity != null || (defaultExpr != null && defaultExpr.startsWith("nextval("));
        if (!owns) {
            return null;
        }
        return switch (type) {
            case "smallint", "integer", "bigint" -> type;
            default -> null;
        };
    }

    public Column withNotNull(boolean newNotNull) {
        return new Column(name, type, builtin, newNotNull, defaultExpr, generatedExpr, identity, collation);
    }

    public Column withDefault(String newDefaultExpr) {
        return new Column(name, type, builtin, notNull, newDefaultExpr, generatedExpr, identity, collation);
    }

    public String quotedName() {
        return Identifiers.quote(name);
    }
}
