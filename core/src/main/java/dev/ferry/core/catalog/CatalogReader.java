package dev.ferry.core.catalog;

import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads tables, columns, keys, indexes, constraints, sequences and user-defined types from a server.
 *
 * <p>Runs with an empty {@code search_path} (as pg_dump does) so {@code format_type}, {@code pg_get_expr} and
 * {@code pg_get_indexdef} qualify every name and the text replays on the target unchanged. Works inside the
 * caller's transaction, so a reader under an exported snapshot sees the catalog of that snapshot.
 */
public final class CatalogReader {
    /** OIDs below this are built into PostgreSQL (FirstNormalObjectId). */
    static final long FIRST_USER_OID = 16384;

    private final Connection c;
    private final String excludedSchema;

    /**
     * @param excludedSchema Ferry's own state schema, never migrated
     */
    public CatalogReader(Connection connection, String excludedSchema) {
        this.c = connection;
        this.excludedSchema = excludedSchema;
    }

    /**
     * Reads the given tables, or every user table when {@code wanted} is empty. Partitions of a wanted
     * partitioned table are included. A wanted table that does not exist is reported by {@link #missing}.
     */
    public Catalog read(Collection<TableId> wanted) {
        try {
            String oldPath = queryOne("SELECT current_setting('search_path')");
            exec("SET search_path = ''");
            try {
                Map<Long, TableId> oids = tableOids(wanted);
                return readTables(oids);
            } finally {
                // set_config takes the value as a literal: no re-quoting of schema names with quotes or commas.
                try (PreparedStatement ps = c.prepareStatement("SELECT set_config('search_path', ?, false)")) {
                    ps.setString(1, oldPath);
                    ps.execute();
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the catalog", "source", e);
        }
    }

    /**
     * The user-defined types behind the given type OIDs (what they use first), for types no table uses (the
     * arguments of functions); read with an empty search_path like everything here.
     */
    public List<TypeInfo> types(Collection<Long> typeOids) {
        try {
            String oldPath = queryOne("SELECT current_setting('search_path')");
            exec("SET search_path = ''");
            try {
                return new TypeReader(c).read(new LinkedHashSet<>(typeOids));
            } finally {
                try (PreparedStatement ps = c.prepareStatement("SELECT set_config('search_path', ?, false)")) {
                    ps.setString(1, oldPath);
                    ps.execute();
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the types", "source", e);
        }
    }

    /** The wanted tables that do not exist. */
    public List<TableId> missing(Collection<TableId> wanted) {
        List<TableId> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace "
                        + "WHERE n.nspname = ? AND r.relname = ? AND r.relkind IN ('r','p')")) {
            for (TableId t : wanted) {
                ps.setString(1, t.schema());
                ps.setString(2, t.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        out.add(t);
                    }
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the catalog", "source", e);
        }
        return out;
    }

    private Map<Long, TableId> tableOids(Collection<TableId> wanted) throws SQLException {
        Map<Long, TableId> oids = new LinkedHashMap<>();
        // Ordered by partition depth so a parent always comes before its partitions, whatever their names.
        String base = "SELECT r.oid, n.nspname, r.relname, (WITH RECURSIVE up AS (SELECT h.inhparent FROM pg_inherits h "
                + "  WHERE h.inhrelid = r.oid AND r.relispartition UNION SELECT h.inhparent FROM pg_inherits h "
                + "  JOIN up ON h.inhrelid = up.inhparent JOIN pg_class pc ON pc.oid = h.inhrelid AND pc.relispartition) "
                + "  SELECT count(*) FROM up) AS depth "
                + "FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace "
                + "WHERE r.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema', ?) "
                + "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
                + "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = r.oid AND d.deptype = 'e') ";
        if (wanted.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(base + "ORDER BY depth, n.nspname, r.relname")) {
                ps.setString(1, excludedSchema);
                collect(ps, oids);
            }
        } else {
            // A wanted partitioned table brings its partitions, at any depth.
            String sql = "WITH RECURSIVE want AS (SELECT r.oid FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace "
                    + "  JOIN unnest(?::text[], ?::text[]) AS w(s, t) ON w.s = n.nspname AND w.t = r.relname "
                    + " UNION SELECT i.inhrelid FROM pg_inherits i JOIN want ON i.inhparent = want.oid) "
                    + base + "AND r.oid IN (SELECT oid FROM want) ORDER BY depth, n.nspname, r.relname";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setArray(1, c.createArrayOf("text", wanted.stream().map(TableId::schema).toArray()));
                ps.setArray(2, c.createArrayOf("text", wanted.stream().map(TableId::name).toArray()));
                ps.setString(3, excludedSchema);
                collect(ps, oids);
            }
        }
        return oids;
    }

    private static void collect(PreparedStatement ps, Map<Long, TableId> oids) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                oids.put(rs.getLong(1), new TableId(rs.getString(2), rs.getString(3)));
            }
        }
    }

    private Catalog readTables(Map<Long, TableId> oids) throws SQLException {
        int major = c.getMetaData().getDatabaseMajorVersion();
        // Generated columns exist from PostgreSQL 12, constraint parents (partition clones) from 11.
        String generatedColumn = major >= 12 ? "a.attgenerated::text" : "''";
        String constraintParent = major >= 11 ? "con.conparentid::int8" : "0::int8";
        Array oidArray = c.createArrayOf("int8", oids.keySet().toArray());
        Map<Long, List<Column>> columns = new HashMap<>();
        Set<Long> typeOids = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT a.attrelid::int8, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
                        + " pg_get_expr(d.adbin, d.adrelid), " + generatedColumn + ", a.attidentity::text, "
                        + " CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation "
                        + "      THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END, "
                        + " (CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END)::int8 < " + FIRST_USER_OID
                        + "   AND t.typtype <> 'd' AND (t.typcategory <> 'A' OR et.typtype NOT IN ('d','c','e','r','m')), "
                        + " a.atttypid::int8 "
                        + "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                        + "LEFT JOIN pg_type et ON et.oid = t.typelem "
                        + "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                        + "LEFT JOIN pg_collation co ON co.oid = a.attcollation "
                        + "LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace "
                        + "WHERE a.attrelid = ANY(?::int8[]::oid[]) AND a.attnum > 0 AND NOT a.attisdropped "
                        + "ORDER BY a.attrelid, a.attnum")) {
            ps.setArray(1, oidArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String generated = rs.getString(6);
                    boolean isGenerated = generated != null && !generated.isEmpty();
                    String identity = rs.getString(7);
                    String expr = rs.getString(5);
                    columns.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new Column(
                            rs.getString(2), rs.getString(3), rs.getBoolean(9), rs.getBoolean(4),
                            isGenerated ? null : expr, isGenerated ? expr : null,
                            identity == null || identity.isEmpty() ? null : identity, rs.getString(8)));
                    typeOids.add(rs.getLong(10));
                }
            }
        }
        Map<Long, List<String>> primaryKeys = new HashMap<>();
        Map<Long, String> primaryKeyNames = new HashMap<>();
        Map<Long, List<ConstraintInfo>> constraints = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT con.conrelid::int8, con.conname, con.contype::text, pg_get_constraintdef(con.oid), "
                        + " ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i) "
                        + "       JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i), "
                        + " fn.nspname, fr.relname, " + constraintParent + ", con.conislocal "
                        + "FROM pg_constraint con LEFT JOIN pg_class fr ON fr.oid = con.confrelid "
                        + "LEFT JOIN pg_namespace fn ON fn.oid = fr.relnamespace "
                        + "WHERE con.conrelid = ANY(?::int8[]::oid[]) AND con.contype IN ('p','u','c','f','x') "
                        + "ORDER BY con.conrelid, con.contype, con.conname")) {
            ps.setArray(1, oidArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long rel = rs.getLong(1);
                    String type = rs.getString(3);
                    if (type.equals("p")) {
                        primaryKeys.put(rel, List.of((String[]) rs.getArray(5).getArray()));
                        primaryKeyNames.put(rel, rs.getString(2));
                        continue;
                    }
                    if (rs.getLong(8) != 0 || !rs.getBoolean(9)) {
                        continue; // inherited from the (partitioned) parent, which creates it
                    }
                    ConstraintInfo.Kind kind = switch (type) {
                        case "u" -> ConstraintInfo.Kind.UNIQUE;
                        case "c" -> ConstraintInfo.Kind.CHECK;
                        case "f" -> ConstraintInfo.Kind.FOREIGN_KEY;
                        default -> ConstraintInfo.Kind.EXCLUSION;
                    };
                    TableId ref = rs.getString(6) == null ? null : new TableId(rs.getString(6), rs.getString(7));
                    constraints.computeIfAbsent(rel, k -> new ArrayList<>())
                            .add(new ConstraintInfo(rs.getString(2), kind, rs.getString(4), ref));
                }
            }
        }
        Map<Long, List<IndexInfo>> indexes = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT i.indrelid::int8, ic.relname, pg_get_indexdef(i.indexrelid), i.indisunique, "
                        + " EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('u','x') "
                        + "         AND k.conrelid = i.indrelid) "
                        + "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
                        + "WHERE i.indrelid = ANY(?::int8[]::oid[]) AND NOT i.indisprimary "
                        + "AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) "
                        + "ORDER BY i.indrelid, ic.relname")) {
            ps.setArray(1, oidArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    indexes.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                            .add(new IndexInfo(rs.getString(2), rs.getString(3), rs.getBoolean(4), rs.getBoolean(5)));
                }
            }
        }
        Map<TableId, TableInfo> tables = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT r.oid::int8, r.relkind::text, CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END, "
                        + " pn.nspname, p.relname, CASE WHEN r.relispartition THEN pg_get_expr(r.relpartbound, r.oid) END, "
                        + " r.relreplident::text, r.reltuples::int8, pg_relation_size(r.oid) "
                        + "FROM pg_class r LEFT JOIN pg_inherits h ON h.inhrelid = r.oid AND r.relispartition "
                        + "LEFT JOIN pg_class p ON p.oid = h.inhparent LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace "
                        + "WHERE r.oid = ?")) {
            for (Map.Entry<Long, TableId> e : oids.entrySet()) {
                long oid = e.getKey();
                ps.setLong(1, oid);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        continue; // dropped meanwhile
                    }
                    TableSchema schema = new TableSchema(e.getValue(), columns.getOrDefault(oid, List.of()),
                            primaryKeys.getOrDefault(oid, List.of()));
                    TableId parent = rs.getString(5) == null ? null : new TableId(rs.getString(4), rs.getString(5));
                    tables.put(e.getValue(), new TableInfo(schema, rs.getString(2).equals("p"), rs.getString(3),
                            parent, rs.getString(6), rs.getString(7).charAt(0), primaryKeyNames.get(oid),
                            indexes.getOrDefault(oid, List.of()), constraints.getOrDefault(oid, List.of()),
                            rs.getLong(8), rs.getLong(9)));
                }
            }
        }
        return new Catalog(tables, new TypeReader(c).read(typeOids), readSequences(oidArray));
    }

    private List<SequenceInfo> readSequences(Array tableOids) throws SQLException {
        List<SequenceInfo> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT DISTINCT ON (s.oid) sn.nspname, s.relname, format_type(q.seqtypid, NULL), q.seqstart, "
                        + " q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle, tn.nspname, t.relname, "
                        + " a.attname, d.deptype = 'i' "
                        + "FROM pg_sequence q JOIN pg_class s ON s.oid = q.seqrelid "
                        + "JOIN pg_namespace sn ON sn.oid = s.relnamespace "
                        + "JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
                        + "  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a','i') "
                        + "JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace "
                        + "LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
                        + "WHERE t.oid = ANY(?::int8[]::oid[]) "
                        + "UNION ALL "
                        + "SELECT DISTINCT ON (s.oid) sn.nspname, s.relname, format_type(q.seqtypid, NULL), q.seqstart, "
                        + " q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle, NULL, NULL, NULL, false "
                        + "FROM pg_attrdef ad JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid "
                        + "  AND d.refclassid = 'pg_class'::regclass "
                        + "JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S' "
                        + "JOIN pg_sequence q ON q.seqrelid = s.oid JOIN pg_namespace sn ON sn.oid = s.relnamespace "
                        + "WHERE ad.adrelid = ANY(?::int8[]::oid[]) "
                        + "AND NOT EXISTS (SELECT 1 FROM pg_depend o WHERE o.objid = s.oid AND o.deptype IN ('a','i') "
                        + "  AND o.refclassid = 'pg_class'::regclass AND o.refobjid = ANY(?::int8[]::oid[]))")) {
            ps.setArray(1, tableOids);
            ps.setArray(2, tableOids);
            ps.setArray(3, tableOids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TableId owner = rs.getString(10) == null ? null : new TableId(rs.getString(10), rs.getString(11));
                    out.add(new SequenceInfo(new TableId(rs.getString(1), rs.getString(2)), rs.getString(3),
                            rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8),
                            rs.getBoolean(9), owner, rs.getString(12), rs.getBoolean(13)));
                }
            }
        }
        return out;
    }

    private String queryOne(String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private void exec(String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
