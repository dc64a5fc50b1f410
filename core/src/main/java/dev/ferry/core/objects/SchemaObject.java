package dev.ferry.core.objects;

import java.util.List;

/**
 * One object around the tables as a catalog describes it: enough to create it on another server, to compare it
 * with what that server has, and to give it the same owner, privileges and comment.
 *
 * @param kind       what it is
 * @param identity   its name as PostgreSQL's {@code pg_identify_object} spells it, quoted where needed and
 *                   schema-qualified ({@code objs.f(integer)}, {@code t on objs.accounts}); usable in SQL after
 *                   the kind's keyword. Names of migrated tables are the target's (after rename transforms).
 * @param parent     for a column, trigger, rule, policy, index or constraint: its table's identity; else null
 * @param name       for those: the bare name (a column's name for column privileges); else null
 * @param definition the text compared between the servers (null when only its owner, privileges or comment are
 *                   Ferry's business, as for tables, which the snapshot creates itself)
 * @param create     the statements that create it, in order; empty when Ferry does not create it here
 * @param owner      the owning role, or null for objects without an owner of their own
 * @param acl        the privileges as {@code grantee:PRIVILEGE} items ({@code *} appended when grantable, grantee
 *                   {@code PUBLIC} for everyone), sorted; null when the object has none of its own
 * @param defaultAcl true when {@code acl} is PostgreSQL's default for the object and owner (nothing to grant)
 * @param comment    its comment, or null
 * @param stage      when it is created
 * @param classId    the catalog holding it, with {@code oid} its key there (for dependency order); 0 when none
 * @param oid        its OID on the server it was read from
 * @param state      a trigger's or rule's enabled state as stored ({@code O}, {@code D}, {@code R}, {@code A}), a
 *                   view's options ({@code WITH (security_barrier=true)}, or empty), or null
 * @param securityDefiner true for a SECURITY DEFINER function
 */
public record SchemaObject(Kind kind, String identity, String parent, String name, String definition,
                           List<String> create, String owner, List<String> acl, boolean defaultAcl, String comment,
                           Stage stage, long classId, long oid, String state, boolean securityDefiner) {

    public SchemaObject {
        create = List.copyOf(create);
        acl = acl == null ? null : List.copyOf(acl);
    }

    /** What it is, then its name: {@code view objs.v}, {@code trigger t on objs.accounts}. */
    public String title() {
        return kind.label() + " " + identity;
    }

    /** The object as SQL names it after ALTER/COMMENT ON: {@code MATERIALIZED VIEW objs.m}. */
    public String ref() {
        return kind.keyword() + " " + identity;
    }

    /** The key two servers' objects are matched by. */
    public String key() {
        return kind.name() + " " + identity;
    }

    public SchemaObject withStage(Stage s) {
        return new SchemaObject(kind, identity, parent, name, definition, create, owner, acl, defaultAcl, comment, s,
                classId, oid, state, securityDefiner);
    }

    /** When an object is created; everything's owner, privileges and comment are set after the copy. */
    public enum Stage {
        /** Schemas, extensions, collations, roles: before the types the tables use. */
        BEFORE_TYPES,
        /** Functions, aggregates, operators, casts, sequences: before the tables whose defaults may use them. */
        BEFORE_TABLES,
        /** Views and materialized views (empty), and functions whose SQL bodies name tables. */
        AFTER_TABLES,
        /** Triggers, rules, policies: after the copy, so they never see copied rows. */
        AFTER_COPY,
        /** Nothing to create: the snapshot creates it (tables, their columns, indexes and constraints, types). */
        EXISTING
    }

    /** The kinds of objects, with the keyword SQL uses for each (COMMENT ON, ALTER ... OWNER TO, GRANT ... ON). */
    public enum Kind {
        SCHEMA("schema", "SCHEMA", "SCHEMA"),
        EXTENSION("extension", "EXTENSION", null),
        COLLATION("collation", "COLLATION", null),
        TYPE("type", "TYPE", "TYPE"),
        DOMAIN("domain", "DOMAIN", "DOMAIN"),
        FUNCTION("function", "FUNCTION", "FUNCTION"),
        PROCEDURE("procedure", "PROCEDURE", "PROCEDURE"),
        AGGREGATE("aggregate", "AGGREGATE", "FUNCTION"),
        OPERATOR("operator", "OPERATOR", null),
        CAST("cast", "CAST", null),
        SEQUENCE("sequence", "SEQUENCE", "SEQUENCE"),
        TABLE("table", "TABLE", "TABLE"),
        COLUMN("column", "COLUMN", null),
        INDEX("index", "INDEX", null),
        CONSTRAINT("constraint", "CONSTRAINT", null),
        VIEW("view", "VIEW", "TABLE"),
        MATERIALIZED_VIEW("materialized view", "MATERIALIZED VIEW", "TABLE"),
        TRIGGER("trigger", "TRIGGER", null),
        RULE("rule", "RULE", null),
        POLICY("policy", "POLICY", null),
        STATISTICS("statistics object", "STATISTICS", null),
        /** Not read with the schemas' objects: {@link LargeObjects} carries them, identity being the OID. */
        LARGE_OBJECT("large object", "LARGE OBJECT", "LARGE OBJECT"),
        DEFAULT_PRIVILEGES("default privileges", null, null);

        private final String label;
        private final String keyword;
        private final String grantKeyword;

        Kind(String label, String keyword, String grantKeyword) {
            this.label = label;
            this.keyword = keyword;
            this.grantKeyword = grantKeyword;
        }

        public String label() {
            return label;
        }

        public String keyword() {
            return keyword;
        }

        /** The word after GRANT ... ON, or null when the kind has no privileges of its own. */
        public String grantKeyword() {
            return grantKeyword;
        }
    }
}
