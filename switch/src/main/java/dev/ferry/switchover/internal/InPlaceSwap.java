package dev.ferry.switchover.internal;

import dev.ferry.core.Queries;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The in-place swap, run in the fence transaction once every table involved is locked ACCESS EXCLUSIVE: each
 * original moves to {@code ferry_old}, its shadow takes its place under the original name (indexes and constraints
 * already carry the original names: they were built under them in the shadow schema), and what pointed at the
 * original is carried to the new table. Everything is read first and then written, so a view dropped before the
 * move is recreated from the text read while it existed. Foreign keys are re-added {@code NOT VALID};
 * {@link #toValidate()} lists them for after the commit.
 */
public final class InPlaceSwap {
    /** A foreign key to validate once the swap committed: the table (as written in SQL) and the constraint. */
    public record Pending(String table, String constraint) {}

    private final Map<TableId, TableId> shadows;
    private final String oldSchema;
    private final String fenceTrigger;
    private final List<String> before = new ArrayList<>();
    private final List<String> move = new ArrayList<>();
    private final List<String> after = new ArrayList<>();
    private List<DependentView> found = List.of();
    private Map<TableId, TableId> prebuilt = Map.of();
    private List<String> views = List.of();
    private final List<Pending> pending = new ArrayList<>();

    /**
     * @param shadows each original table to its shadow, in the order they are moved
     * @param oldSchema where the originals go
     */
    public InPlaceSwap(Map<TableId, TableId> shadows, String oldSchema) {
        this.shadows = shadows;
        this.oldSchema = oldSchema;
        this.fenceTrigger = SourceProtection.TRIGGER;
    }

    /** Reads what must be carried, then swaps; the caller commits. Returns the statements run, for the record. */
    public List<String> run(Connection c) throws SQLException {
        prepare(c);
        return apply(c);
    }

    /**
     * Reads what must be carried. Done before the fence (the reads are the slow part), in a connection of its own;
     * DDL on these tables while the switch runs is not supported.
     */
    public void prepare(Connection c) throws SQLException {
        Array originals = c.createArrayOf("text", shadows.keySet().stream().map(TableId::quoted).toArray());
        before.add("CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(oldSchema));
        readViews(c, originals);
        readIncomingKeys(c, originals);
        for (Map.Entry<TableId, TableId> e : shadows.entrySet()) {
            readTable(c, e.getKey(), e.getValue());
        }
        views = viewStatements(c);
    }

    /** Runs the swap read by {@link #prepare}, in the caller's (fence) transaction. */
    public List<String> apply(Connection c) throws SQLException {
        List<String> all = new ArrayList<>(before);
        all.addAll(move);
        all.addAll(after);
        all.addAll(views);
        try (Statement s = c.createStatement()) {
            for (String sql : all) {
                s.execute(sql);
            }
        }
        return all;
    }

    public List<Pending> toValidate() {
        return List.copyOf(pending);
    }

    /** Views over the originals, at any depth: dropped before the move, recreated over the new tables after it. */
    private void readViews(Connection c, Array originals) throws SQLException {
        found = Queries.rows(c, "WITH RECURSIVE deps(oid, depth) AS ("
                + "  SELECT r.ev_class, 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid "
                + "  WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass "
                + "    AND d.refobjid IN (SELECT x::regclass FROM unnest(?::text[]) x) AND r.ev_class <> d.refobjid "
                + "  UNION SELECT r.ev_class, deps.depth + 1 FROM deps JOIN pg_depend d ON d.refobjid = deps.oid "
                + "    AND d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass "
                + "  JOIN pg_rewrite r ON r.oid = d.objid WHERE r.ev_class <> deps.oid) "
                + "SELECT n.nspname, v.relname, v.relkind::text, pg_get_viewdef(v.oid), "
                + "  quote_ident(pg_get_userbyid(v.relowner)), obj_description(v.oid, 'pg_class'), v.oid::text "
                + "FROM (SELECT oid, max(depth) AS depth FROM deps GROUP BY oid) d JOIN pg_class v ON v.oid = d.oid "
                + "JOIN pg_namespace n ON n.oid = v.relnamespace ORDER BY d.depth, format('%I.%I', n.nspname, v.relname)",
                rs -> new DependentView(new TableId(rs.getString(1), rs.getString(2)), rs.getString(3).equals("m"),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)), originals);
        for (int i = found.size() - 1; i >= 0; i--) {
            DependentView v = found.get(i);
            before.add("DROP " + v.keyword() + v.id().quoted());
        }
    }

    /**
     * Builds, before the fence, the materialized views over the originals (and the plain views they read) anew over
     * the shadow tables ({@link MaterializedViews}), so that the window only moves them into place. Returns what it did, one line each.
     */
    public List<String> prebuild(Connection c) throws SQLException {
        // Next to the shadows (they all live in the run's shadow schema), where nothing else of the user's is.
        String shadowSchema = shadows.values().iterator().next().schema();
        MaterializedViews.Result built = MaterializedViews.build(c, found, shadows, shadowSchema);
        prebuilt = built.replacements();
        views = viewStatements(c);
        return built.notes();
    }

    /** The views' statements: each created from its text and given its owner, comment and grants, or moved in. */
    private List<String> viewStatements(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        for (DependentView v : found) {
            TableId replacement = prebuilt.get(v.id());
            if (replacement != null) {
                // Its owner is given here, where the original's owner may create (the shadow schema is Ferry's).
                out.add("ALTER " + v.keyword() + replacement.quoted() + " SET SCHEMA "
                        + Identifiers.quote(v.id().schema()));
                out.add("ALTER " + v.keyword() + v.id().quoted() + " OWNER TO " + v.owner());
                continue;
            }
            String name = v.id().quoted();
            out.add("CREATE " + v.keyword() + name + " AS " + v.definition());
            out.add("ALTER " + v.keyword() + name + " OWNER TO " + v.owner());
            if (v.comment() != null) {
                out.add("COMMENT ON " + v.keyword() + name + " IS " + Identifiers.literal(v.comment()));
            }
            out.addAll(grants(c, name, name));
        }
        return out;
    }

    /** Foreign keys of tables that stay where they are, pointing at an original: re-pointed at the new table. */
    private void readIncomingKeys(Connection c, Array originals) throws SQLException {
        record Key(String table, String name, String definition) {}
        List<Key> keys = Queries.rows(c, "SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid) "
                + "FROM pg_constraint k WHERE k.contype = 'f' "
                + "AND k.confrelid IN (SELECT x::regclass FROM unnest(?::text[]) x) "
                + "AND k.conrelid NOT IN (SELECT x::regclass FROM unnest(?::text[]) x) AND k.conparentid = 0 ORDER BY 1, 2",
                rs -> new Key(rs.getString(1), rs.getString(2), rs.getString(3)), originals, originals);
        for (Key k : keys) {
            before.add("ALTER TABLE " + k.table() + " DROP CONSTRAINT " + Identifiers.quote(k.name()));
            after.add("ALTER TABLE " + k.table() + " ADD CONSTRAINT " + Identifiers.quote(k.name()) + ' '
                    + k.definition() + " NOT VALID");
            pending.add(new Pending(k.table(), k.name()));
        }
    }

    private void readTable(Connection c, TableId original, TableId shadow) throws SQLException {
        String o = original.quoted();
        String placed = new TableId(original.schema(), shadow.name()).quoted();
        // Sequences owned by the original's columns would move with it: disowned first, owned by the new column.
        record Owned(String sequence, String column, String type) {}
        List<Owned> owned = Queries.rows(c, "SELECT s.oid::regclass::text, a.attname, format_type(a.atttypid, "
                + "a.atttypmod), format_type(q.seqtypid, NULL) FROM pg_depend d "
                + "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_sequence q ON q.seqrelid = s.oid "
                + "JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
                + "WHERE d.classid = 'pg_class'::regclass AND d.refobjid = ?::regclass AND d.deptype = 'a'",
                rs -> new Owned(rs.getString(1), rs.getString(2), rs.getString(4)), o);
        for (Owned s : owned) {
            before.add("ALTER SEQUENCE " + s.sequence() + " OWNED BY NONE");
        }
        move.add("ALTER TABLE " + o + " SET SCHEMA " + Identifiers.quote(oldSchema));
        move.add("ALTER TABLE " + shadow.quoted() + " SET SCHEMA " + Identifiers.quote(original.schema()));
        after.addAll(PartitionIndexes.renames(c, original, shadow, original.schema()));
        for (Owned s : owned) {
            String newType = Queries.rows(c, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                    + "attrelid = ?::regclass AND attname = ?", rs -> rs.getString(1), shadow.quoted(), s.column())
                    .stream().findFirst().orElse(null);
            if (newType != null && !newType.equals(s.type())
                    && List.of("smallint", "integer", "bigint").contains(newType)) {
                after.add("ALTER SEQUENCE " + s.sequence() + " AS " + newType);
            }
            if (newType != null) {
                after.add("ALTER SEQUENCE " + s.sequence() + " OWNED BY " + placed + '.' + Identifiers.quote(s.column()));
            }
        }
        after.addAll(IdentityColumns.carry(c, original, shadow, placed, oldSchema));
        Queries.rows(c, "SELECT quote_ident(pg_get_userbyid(relowner)), relreplident::text, relrowsecurity, "
                + "relforcerowsecurity, obj_description(oid, 'pg_class') FROM pg_class WHERE oid = ?::regclass", rs -> {
                    after.add("ALTER TABLE " + placed + " OWNER TO " + rs.getString(1));
                    switch (rs.getString(2)) {
                        case "f" -> after.add("ALTER TABLE " + placed + " REPLICA IDENTITY FULL");
                        case "n" -> after.add("ALTER TABLE " + placed + " REPLICA IDENTITY NOTHING");
                        default -> { }
                    }
                    if (rs.getBoolean(3)) {
                        after.add("ALTER TABLE " + placed + " ENABLE ROW LEVEL SECURITY");
                    }
                    if (rs.getBoolean(4)) {
                        after.add("ALTER TABLE " + placed + " FORCE ROW LEVEL SECURITY");
                    }
                    if (rs.getString(5) != null) {
                        after.add("COMMENT ON TABLE " + placed + " IS " + Identifiers.literal(rs.getString(5)));
                    }
                    return null;
                }, o);
        Queries.rows(c, "SELECT quote_ident(i.relname) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                + "WHERE x.indrelid = ?::regclass AND x.indisreplident", rs -> after.add("ALTER TABLE " + placed
                + " REPLICA IDENTITY USING INDEX " + rs.getString(1)), o);
        Queries.rows(c, "SELECT quote_ident(attname), col_description(attrelid, attnum), attstattarget FROM pg_attribute "
                + "WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum", rs -> {
                    if (rs.getString(2) != null) {
                        after.add("COMMENT ON COLUMN " + placed + '.' + rs.getString(1) + " IS "
                                + Identifiers.literal(rs.getString(2)));
                    }
                    if (rs.getInt(3) > 0) {
                        after.add("ALTER TABLE " + placed + " ALTER COLUMN " + rs.getString(1) + " SET STATISTICS "
                                + rs.getInt(3));
                    }
                    return null;
                }, o);
        after.addAll(grants(c, o, placed));
        // Triggers (Ferry's own write protection stays with the original) and rules, re-created from their text,
        // which names the table as it is now: after the move that name is the new table's. A partition's clones of
        // its parent's triggers and foreign keys come back with the parent's.
        Queries.rows(c, "SELECT pg_get_triggerdef(oid), quote_ident(tgname), tgenabled::text FROM pg_trigger "
                + "WHERE tgrelid = ?::regclass AND NOT tgisinternal AND tgparentid = 0 AND tgname <> ? ORDER BY tgname",
                rs -> {
                    after.add(rs.getString(1));
                    String state = switch (rs.getString(3)) {
                        case "D" -> "DISABLE TRIGGER ";
                        case "R" -> "ENABLE REPLICA TRIGGER ";
                        case "A" -> "ENABLE ALWAYS TRIGGER ";
                        default -> null;
                    };
                    if (state != null) {
                        after.add("ALTER TABLE " + placed + ' ' + state + rs.getString(2));
                    }
                    return null;
                }, o, fenceTrigger);
        Queries.rows(c, "SELECT pg_get_ruledef(oid) FROM pg_rewrite WHERE ev_class = ?::regclass AND rulename <> "
                + "'_RETURN'", rs -> after.add(rs.getString(1).replaceAll(";\\s*$", "")), o);
        Queries.rows(c, "SELECT format('CREATE POLICY %I ON " + placed.replace("%", "%%") + " AS %s FOR %s TO %s%s%s', "
                + "policyname, permissive, cmd, array_to_string(roles, ', '), "
                + "coalesce(' USING (' || qual || ')', ''), coalesce(' WITH CHECK (' || with_check || ')', '')) "
                + "FROM pg_policies WHERE schemaname = ? AND tablename = ?",
                rs -> after.add(rs.getString(1)), original.schema(), original.name());
        // Foreign keys of the original the shadow lacks (the snapshot adds none to or from a reshaped table): their
        // text names the parent as it is now, which after the move is the new table where the parent moved too.
        Queries.rows(c, "SELECT quote_ident(k.conname), pg_get_constraintdef(k.oid) FROM pg_constraint k "
                + "WHERE k.contype = 'f' AND k.conrelid = ?::regclass AND k.conparentid = 0 "
                + "AND NOT EXISTS (SELECT 1 FROM pg_constraint s WHERE s.conrelid = ?::regclass AND s.conname = k.conname)",
                rs -> {
                    after.add("ALTER TABLE " + placed + " ADD CONSTRAINT " + rs.getString(1) + ' ' + rs.getString(2)
                            + " NOT VALID");
                    pending.add(new Pending(placed, rs.getString(1).replace("\"", "")));
                    return null;
                }, o, shadow.quoted());
        // Other consumers' publications that list the original list the new table instead.
        Queries.rows(c, "SELECT quote_ident(p.pubname) FROM pg_publication p JOIN pg_publication_rel r ON r.prpubid = p.oid "
                + "WHERE r.prrelid = ?::regclass AND p.pubname NOT LIKE 'ferry%'", rs -> {
                    after.add("ALTER PUBLICATION " + rs.getString(1) + " ADD TABLE " + placed);
                    return null;
                }, o);
    }

    /** The grants on a relation (other than its owner's), written for another name. */
    static List<String> grants(Connection c, String relation, String to) throws SQLException {
        return Queries.rows(c, "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) "
                + "END, a.privilege_type, a.is_grantable FROM pg_class k, aclexplode(k.relacl) a "
                + "WHERE k.oid = ?::regclass AND a.grantee <> k.relowner",
                rs -> "GRANT " + rs.getString(2) + " ON TABLE " + to + " TO " + rs.getString(1)
                        + (rs.getBoolean(3) ? " WITH GRANT OPTION" : ""), relation);
    }
}
