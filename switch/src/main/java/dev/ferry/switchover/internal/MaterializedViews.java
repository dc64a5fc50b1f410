package dev.ferry.switchover.internal;

import dev.ferry.core.Db;
import dev.ferry.core.Queries;
import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The materialized views over the originals, built before the fence (docs/design.md, "In place"): each one's query,
 * deparsed with every name qualified, is re-pointed from the originals to their shadows ({@link QualifiedNames}) and
 * from the views it reads to their replacements, and run WITH DATA into a materialized view of the same name in the
 * shadow schema, with its indexes, comment and grants. The plain views a materialized view reads (at any depth) are
 * built there the same way, so that it can read them. The window then only drops the old ones and moves the
 * replacements into their schemas (indexes move with them). A replacement holds the rows as of its build, which is
 * what a materialized view promises: it is as fresh as its last REFRESH.
 *
 * <p>The text is only trusted once PostgreSQL agrees: the relations the replacement depends on must be those of the
 * original with each original (or view) mapped to its replacement. A materialized view that cannot be built this way
 * (it reads a table the transforms rename, or its query or a view it reads fails over the shadows) is left to be
 * rebuilt inside the window as before, with the views it reads, and the note says why.
 */
final class MaterializedViews {
    /**
     * @param replacements each view built, to its replacement in the shadow schema
     * @param notes        one line per materialized view: built (and how long it took) or left to the window, and why
     */
    record Result(Map<TableId, TableId> replacements, List<String> notes) {}

    private record Relation(String oid, TableId id) {}

    private MaterializedViews() {}

    static Result build(Connection c, List<DependentView> views, Map<TableId, TableId> shadows, String shadowSchema)
            throws SQLException {
        Map<String, TableId> originals = new HashMap<>();
        for (TableId t : shadows.keySet()) {
            originals.put(Queries.rows(c, "SELECT ?::regclass::oid::text", rs -> rs.getString(1), t.quoted()).get(0), t);
        }
        Map<String, TableId> dependent = new HashMap<>();
        Map<TableId, List<Relation>> reads = new HashMap<>();
        for (DependentView v : views) {
            dependent.put(v.oid(), v.id());
            reads.put(v.id(), relations(c, v.oid()));
        }
        // The plain views a materialized view reads (at any depth) are built beforehand too, and moved in with it.
        Set<TableId> needed = new java.util.HashSet<>();
        for (int i = views.size() - 1; i >= 0; i--) {
            DependentView v = views.get(i);
            if (v.materialized() || needed.contains(v.id())) {
                needed.add(v.id());
                reads.get(v.id()).stream().filter(r -> dependent.containsKey(r.oid())).forEach(r -> needed.add(r.id()));
            }
        }
        Map<TableId, TableId> replacements = new LinkedHashMap<>();
        Map<TableId, String> failed = new HashMap<>();
        List<String> notes = new java.util.ArrayList<>();
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (DependentView v : views) {
                if (!needed.contains(v.id())) {
                    continue;
                }
                Map<TableId, TableId> mapping = new HashMap<>();
                String why = null;
                for (Relation r : reads.get(v.id())) {
                    TableId original = originals.get(r.oid());
                    if (original != null) {
                        TableId shadow = shadows.get(original);
                        if (!shadow.name().equals(original.name())) {
                            why = "it reads " + original + ", which the transforms rename";
                        }
                        mapping.put(original, shadow);
                    } else if (failed.containsKey(r.id())) {
                        why = "it reads view " + r.id() + ", which could not be built beforehand either ("
                                + failed.get(r.id()) + ")";
                    } else if (replacements.containsKey(r.id())) {
                        mapping.put(r.id(), replacements.get(r.id()));
                    }
                }
                TableId replacement = new TableId(shadowSchema, v.id().name());
                TableId taken = replacements.entrySet().stream().filter(e -> e.getValue().equals(replacement))
                        .map(Map.Entry::getKey).findFirst().orElse(null);
                if (why == null && taken != null) {
                    // Dropping what is there would drop that one's replacement (a leftover is dropped, below).
                    why = "its name in " + shadowSchema + " is taken by the replacement of " + taken;
                }
                long t0 = System.nanoTime();
                if (why == null) {
                    why = tryBuild(c, v, replacement, mapping, reads.get(v.id()));
                }
                if (why == null) {
                    replacements.put(v.id(), replacement);
                    if (v.materialized()) {
                        notes.add("materialized view " + v.id() + " was built over the shadow tables before the fence in "
                                + (System.nanoTime() - t0) / 1_000_000 + " ms");
                    }
                } else if (v.materialized()) {
                    notes.add("materialized view " + v.id() + " is rebuilt inside the window, since " + why);
                } else {
                    failed.put(v.id(), why);
                }
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
        return new Result(replacements, notes);
    }

    /** Builds one replacement in its own transaction; null when built, else why not (and nothing is left). */
    private static String tryBuild(Connection c, DependentView v, TableId replacement, Map<TableId, TableId> mapping,
                                   List<Relation> reads) throws SQLException {
        try (Statement s = c.createStatement()) {
            // Deparsed with no schema visible but pg_catalog, every other name comes out qualified, and is read back
            // the same way.
            s.execute("SET LOCAL search_path = ''");
            record Shape(String query, String options, String tablespace, boolean populated) {}
            Shape shape = Queries.rows(c, "SELECT pg_get_viewdef(k.oid), array_to_string(k.reloptions, ', '), "
                    + "(SELECT quote_ident(spcname) FROM pg_tablespace WHERE oid = k.reltablespace), k.relispopulated "
                    + "FROM pg_class k WHERE k.oid = ?::oid", rs -> new Shape(rs.getString(1), rs.getString(2),
                    rs.getString(3), rs.getBoolean(4)), v.oid()).get(0);
            String query = QualifiedNames.map(shape.query(), mapping).strip();
            if (query.endsWith(";")) {
                query = query.substring(0, query.length() - 1);
            }
            // What a failed earlier switch left.
            s.execute("DROP " + v.keyword() + "IF EXISTS " + replacement.quoted());
            String options = shape.options() == null || shape.options().isEmpty() ? "" : " WITH (" + shape.options() + ")";
            s.execute(v.materialized() ? "CREATE MATERIALIZED VIEW " + replacement.quoted() + options
                    + (shape.tablespace() == null ? "" : " TABLESPACE " + shape.tablespace()) + " AS " + query
                    + (shape.populated() ? " WITH DATA" : " WITH NO DATA")
                    : "CREATE VIEW " + replacement.quoted() + options + " AS " + query);
            Map<TableId, TableId> self = Map.of(v.id(), replacement);
            for (String index : Queries.rows(c, "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = "
                    + "?::oid ORDER BY indexrelid", rs -> rs.getString(1), v.oid())) {
                s.execute(QualifiedNames.map(index, self));
            }
            if (v.comment() != null) {
                s.execute("COMMENT ON " + v.keyword() + replacement.quoted() + " IS " + Identifiers.literal(v.comment()));
            }
            for (String grant : InPlaceSwap.grants(c, v.id().quoted(), replacement.quoted())) {
                s.execute(grant);
            }
            Set<TableId> expected = reads.stream().map(r -> mapping.getOrDefault(r.id(), r.id()))
                    .collect(Collectors.toCollection(TreeSet::new));
            String oid = Queries.rows(c, "SELECT ?::regclass::oid::text", rs -> rs.getString(1), replacement.quoted())
                    .get(0);
            Set<TableId> actual = relations(c, oid).stream().map(Relation::id)
                    .collect(Collectors.toCollection(TreeSet::new));
            if (!actual.equals(expected)) {
                c.rollback();
                return "its query, re-pointed at the shadow tables, reads " + actual + " instead of " + expected;
            }
            c.commit();
            return null;
        } catch (SQLException e) {
            if (Db.isConnectionLoss(e)) {
                throw e;
            }
            c.rollback();
            return "building it over the shadow tables failed (" + ServerErrors.firstLine(e) + ")";
        }
    }

    /** The relations a view's query reads, directly. */
    private static List<Relation> relations(Connection c, String oid) throws SQLException {
        return Queries.rows(c, "SELECT DISTINCT k.oid::text, n.nspname, k.relname FROM pg_rewrite r "
                + "JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid "
                + "AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class "
                + "JOIN pg_class k ON k.oid = d.refobjid JOIN pg_namespace n ON n.oid = k.relnamespace "
                + "WHERE r.ev_class = ?::oid", rs -> new Relation(rs.getString(1), new TableId(rs.getString(2),
                rs.getString(3))), oid);
    }
}
