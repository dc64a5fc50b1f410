package dev.ferry.core.ddl;

import dev.ferry.core.catalog.ConstraintInfo;
import dev.ferry.core.catalog.IndexInfo;
import dev.ferry.core.catalog.SequenceInfo;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.core.catalog.TypeInfo;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes the SQL that rebuilds source objects on the target, from the catalog as {@code CatalogReader} read it
 * (expressions and type names schema-qualified, so the text replays unchanged).
 *
 * <p>Every statement is safe to run again ({@code IF NOT EXISTS}, or a block that ignores "already exists"),
 * because a resumed snapshot re-runs the whole schema step. Tables are created without any index: keys,
 * indexes and constraints backed by indexes come after the copy ({@link #primaryKey}, {@link #index},
 * {@link #constraint}), foreign keys {@code NOT VALID} ({@link #foreignKey}). Pure text: no connection.
 */
public final class DdlWriter {
    private DdlWriter() {}

    public static String createSchema(String schema) {
        return "CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(schema);
    }

    /** An enum, domain, composite or range type; nothing happens when a type of that name exists. */
    public static String createType(TypeInfo t) {
        String body = switch (t.kind()) {
            case ENUM -> "CREATE TYPE " + t.qualifiedName() + " AS ENUM ("
                    + t.labels().stream().map(Identifiers::literal).collect(Collectors.joining(", ")) + ")";
            case DOMAIN -> "CREATE DOMAIN " + t.qualifiedName() + " AS " + t.baseType()
                    + (t.definition() == null || t.definition().isEmpty() ? "" : " " + t.definition());
            case COMPOSITE -> "CREATE TYPE " + t.qualifiedName() + " AS " + t.definition();
            case RANGE -> "CREATE TYPE " + t.qualifiedName() + " AS RANGE (SUBTYPE = " + t.baseType() + ")";
        };
        return ignoringDuplicates(body);
    }

    /**
     * A stand-alone sequence (serial columns and defaults use these; identity sequences come with their column).
     *
     * @param type the type on the target: the owning column's integer type (a column widened to bigint widens its
     *             sequence), or the source sequence's own
     */
    public static String createSequence(SequenceInfo s, String type) {
        return "CREATE SEQUENCE IF NOT EXISTS " + s.id().quoted() + " AS " + type + sequenceOptions(s, type);
    }

    /** Ties a serial's sequence to its column, so dropping the table drops it, as on the source. */
    public static String sequenceOwnedBy(TableId sequence, TableId table, String column) {
        return "ALTER SEQUENCE " + sequence.quoted() + " OWNED BY " + table.quoted() + '.' + Identifiers.quote(column);
    }

    /**
     * {@code CREATE TABLE} for a table in its target shape, with types, collations, defaults, NOT NULL, CHECK
     * constraints, identity and generated columns and its partitioning, but no key and no index.
     *
     * @param target       the columns and name on the target (the source schema passed through the transforms)
     * @param source       what the catalog knows (partitioning, checks)
     * @param targetParent the target name of the partitioned parent when this is a partition moved with its parent,
     *                     else null (a partition moved alone becomes a plain table)
     * @param identity     the identity sequences of this table's columns (for their options), may be empty
     */
    public static String createTable(TableSchema target, TableInfo source, TableId targetParent,
                                     List<SequenceInfo> identity) {
        StringBuilder sb = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(target.id().quoted());
        if (targetParent != null && source.partitionBound() != null) {
            // A partition takes its columns, defaults and generated expressions from the parent.
            sb.append(" PARTITION OF ").append(targetParent.quoted()).append(' ').append(source.partitionBound());
        } else {
            List<String> parts = new ArrayList<>();
            for (Column c : target.columns()) {
                parts.add(columnDefinition(c, identity));
            }
            for (ConstraintInfo k : source.constraints()) {
                if (k.kind() == ConstraintInfo.Kind.CHECK) {
                    parts.add("CONSTRAINT " + Identifiers.quote(k.name()) + ' ' + k.definition());
                }
            }
            sb.append(" (\n  ").append(String.join(",\n  ", parts)).append("\n)");
        }
        if (source.partitioned()) {
            sb.append(" PARTITION BY ").append(source.partitionKey());
        }
        return sb.toString();
    }

    static String columnDefinition(Column c, List<SequenceInfo> identity) {
        StringBuilder sb = new StringBuilder(c.quotedName()).append(' ').append(c.type());
        if (c.collation() != null) {
            sb.append(" COLLATE ").append(c.collation());
        }
        if (c.generated()) {
            sb.append(" GENERATED ALWAYS AS (").append(c.generatedExpr()).append(") STORED");
        } else if (c.identity() != null) {
            sb.append(" GENERATED ").append(c.identity().equals("a") ? "ALWAYS" : "BY DEFAULT").append(" AS IDENTITY");
            identity.stream().filter(s -> c.name().equals(s.ownerColumn())).findFirst().ifPresent(s ->
                    sb.append(" (SEQUENCE NAME ").append(s.id().quoted())
                            .append(sequenceOptions(s, c.sequenceType() == null ? s.type() : c.sequenceType()))
                            .append(')'));
        } else if (c.defaultExpr() != null) {
            sb.append(" DEFAULT ").append(c.defaultExpr());
        }
        if (c.notNull()) {
            sb.append(" NOT NULL");
        }
        return sb.toString();
    }

    private static String sequenceOptions(SequenceInfo s, String type) {
        StringBuilder sb = new StringBuilder();
        sb.append(" INCREMENT BY ").append(s.increment());
        sb.append(" MINVALUE ").append(s.min());
        // A sequence at its type's maximum keeps that meaning when the type widens (integer -> bigint).
        if (!(s.max() == maxOf(s.type()) && !type.equals(s.type()))) {
            sb.append(" MAXVALUE ").append(s.max());
        }
        sb.append(" START WITH ").append(s.start());
        sb.append(" CACHE ").append(s.cache());
        sb.append(s.cycle() ? " CYCLE" : " NO CYCLE");
        return sb.toString();
    }

    private static long maxOf(String type) {
        return switch (type) {
            case "smallint" -> Short.MAX_VALUE;
            case "integer" -> Integer.MAX_VALUE;
            default -> Long.MAX_VALUE;
        };
    }

    public static String primaryKey(TableId table, String name, List<String> columns) {
        return "ALTER TABLE " + table.quoted() + " ADD " + (name == null ? "" : "CONSTRAINT " + Identifiers.quote(name) + ' ')
                + "PRIMARY KEY (" + columns.stream().map(Identifiers::quote).collect(Collectors.joining(", ")) + ")";
    }

    /** A UNIQUE or EXCLUDE constraint (with the index behind it), after the copy. */
    public static String constraint(TableId table, ConstraintInfo c) {
        return "ALTER TABLE " + table.quoted() + " ADD CONSTRAINT " + Identifiers.quote(c.name()) + ' ' + c.definition();
    }

    /**
     * A foreign key, {@code NOT VALID} on a plain table: it is enforced for new rows at once and validated online
     * later ({@code ALTER TABLE ... VALIDATE CONSTRAINT}), so the copy never waits on a full check. PostgreSQL
     * does not accept NOT VALID foreign keys on partitioned tables; those are validated when added.
     */
    public static String foreignKey(TableId table, ConstraintInfo c, boolean partitioned) {
        return constraint(table, c) + (partitioned ? "" : " NOT VALID");
    }

    /**
     * A secondary index from its {@code pg_get_indexdef} text, made idempotent, and moved to the target table when
     * a transform renamed it. Returns null when the definition does not name the source table as expected (the
     * caller reports that the index was skipped).
     */
    public static String index(IndexInfo index, TableId source, TableId target) {
        // A partitioned table's index reads "ON ONLY parent"; without ONLY it is built on every partition too,
        // which is what the partitions' own (inherited, so not listed) indexes were.
        String def = index.definition().replaceFirst("^CREATE (UNIQUE )?INDEX ", "CREATE $1INDEX IF NOT EXISTS ")
                .replaceFirst(" ON ONLY ", " ON ");
        if (source.equals(target)) {
            return def;
        }
        for (String form : List.of(minimalQuoted(source), source.quoted())) {
            int at = def.indexOf(" ON " + form + " USING ");
            if (at >= 0) {
                return def.substring(0, at) + " ON " + target.quoted() + def.substring(at + 4 + form.length());
            }
        }
        return null;
    }

    /** Validates a constraint added NOT VALID; takes only a SHARE UPDATE EXCLUSIVE lock, so writes go on. */
    public static String validate(TableId table, String constraint) {
        return "ALTER TABLE " + table.quoted() + " VALIDATE CONSTRAINT " + Identifiers.quote(constraint);
    }

    /** Roughly {@code quote_ident}: quotes only names that need it (keywords aside). */
    static String minimalQuoted(TableId t) {
        return minimal(t.schema()) + '.' + minimal(t.name());
    }

    private static String minimal(String name) {
        return name.matches("[a-z_][a-z0-9_$]*") ? name : Identifiers.quote(name);
    }

    /** Runs a CREATE TYPE/DOMAIN so that an existing object of that name is kept, not an error. */
    static String ignoringDuplicates(String statement) {
        return "DO $ferry$ BEGIN " + statement + "; EXCEPTION WHEN duplicate_object THEN NULL; END $ferry$";
    }
}
