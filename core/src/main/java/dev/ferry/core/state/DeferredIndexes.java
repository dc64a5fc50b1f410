package dev.ferry.core.state;

import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The deferred unique indexes of a run ({@code deferred_indexes} in the state schema): recorded by the snapshot,
 * built by the stream's background builder, and required by {@code ferry switch}. On the store's connection.
 */
public final class DeferredIndexes {
    private final Connection c;
    private final String q;

    DeferredIndexes(Connection c, String quotedSchema) {
        this.c = c;
        this.q = quotedSchema;
    }

    static void createTable(Statement st, String q) throws SQLException {
        st.execute("CREATE TABLE " + q + ".deferred_indexes (target_schema text, target_name text NOT NULL, name text, "
                + "index_sql text, constraint_sql text, after_lsn pg_lsn NOT NULL, built_at timestamptz, "
                + "PRIMARY KEY (target_schema, name))");
    }

    /** Records indexes to build later; one recorded before is updated (a later resume moves its position). */
    public void add(List<DeferredIndex> indexes) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + q + ".deferred_indexes (target_schema, "
                + "target_name, name, index_sql, constraint_sql, after_lsn) VALUES (?, ?, ?, ?, ?, ?::pg_lsn) "
                + "ON CONFLICT (target_schema, name) DO UPDATE SET target_name = excluded.target_name, "
                + "index_sql = excluded.index_sql, constraint_sql = excluded.constraint_sql, "
                + "after_lsn = greatest(deferred_indexes.after_lsn, excluded.after_lsn)")) {
            for (DeferredIndex d : indexes) {
                ps.setString(1, d.table().schema());
                ps.setString(2, d.table().name());
                ps.setString(3, d.name());
                ps.setString(4, d.indexSql());
                ps.setString(5, d.constraintSql());
                ps.setString(6, d.after().toString());
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw ServerErrors.during("writing the state store", "target", e);
        }
    }

    /**
     * The deferred indexes not on the target yet, in the order recorded. One a person created by hand counts as
     * built; an index left invalid by an interrupted concurrent build does not.
     */
    public List<DeferredIndex> missing() {
        List<DeferredIndex> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT d.target_schema, d.target_name, "
                + "d.name, d.index_sql, d.constraint_sql, d.after_lsn::text FROM " + q + ".deferred_indexes d "
                + "WHERE d.built_at IS NULL AND NOT CASE WHEN d.constraint_sql IS NULL THEN EXISTS (SELECT 1 FROM pg_index i "
                + "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace n ON n.oid = x.relnamespace "
                + "WHERE n.nspname = d.target_schema AND x.relname = d.name AND i.indisvalid) ELSE EXISTS (SELECT 1 "
                + "FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                + "WHERE n.nspname = d.target_schema AND t.relname = d.target_name AND k.conname = d.name) END "
                + "ORDER BY d.after_lsn, 1, 2, 3")) {
            while (rs.next()) {
                out.add(new DeferredIndex(new TableId(rs.getString(1), rs.getString(2)), rs.getString(3), rs.getString(4),
                        rs.getString(5), Lsn.parse(rs.getString(6))));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        return out;
    }

    /** Records that {@code d} was built now. */
    public void markBuilt(DeferredIndex d) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + q + ".deferred_indexes SET built_at = now() "
                + "WHERE target_schema = ? AND name = ?")) {
            ps.setString(1, d.table().schema());
            ps.setString(2, d.name());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw ServerErrors.during("writing the state store", "target", e);
        }
    }
}
