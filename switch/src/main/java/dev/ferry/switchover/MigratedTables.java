package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.Publication;
import dev.ferry.core.catalog.SequenceInfo;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's tables on the source, from its publication.
 *
 * @param tables    as the publication lists them (what the lock fence locks)
 * @param relations the same with every partition (what the protection guards and the sequences may serve)
 */
public record MigratedTables(List<TableId> tables, List<TableId> relations) {

    public static MigratedTables read(ConnectionSpec source, String publication) {
        try (Connection c = Db.open(source, "source", "switch")) {
            List<TableId> tables = Publication.tables(c, publication);
            if (tables.isEmpty()) {
                throw new FerryException(ExitCode.USAGE, "publication \"" + publication + "\" on the source lists no "
                        + "tables; nothing to fence");
            }
            return new MigratedTables(tables, Publication.relations(c, publication));
        } catch (SQLException e) {
            throw ServerErrors.during("reading the publication", "source", e);
        }
    }

    /**
     * The stand-alone sequences of the tables' schemas that no table uses (no column owns them, no default calls
     * them): those functions or the application call. The objects step creates them on the target, so the switch
     * sets them too; unlike the tables' own, one that cannot be carried is named, not refused.
     */
    List<SequenceInfo> looseSequences(Connection source, String stateSchema) {
        List<String> schemas = relations.stream().map(TableId::schema).distinct().filter(n -> !n.equals(stateSchema))
                .toList();
        try (PreparedStatement ps = source.prepareStatement("SELECT n.nspname, c.relname, format_type(q.seqtypid, NULL), "
                + "q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle FROM pg_sequence q "
                + "JOIN pg_class c ON c.oid = q.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = ANY(?::text[]) AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
                + "'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e')) AND NOT EXISTS (SELECT 1 "
                + "FROM pg_depend d WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass "
                + "AND d.refobjid = c.oid) ORDER BY 1, 2")) {
            ps.setArray(1, source.createArrayOf("text", schemas.toArray()));
            List<SequenceInfo> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new SequenceInfo(new TableId(rs.getString(1), rs.getString(2)), rs.getString(3), rs.getLong(4),
                            rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getBoolean(9), null, null,
                            false));
                }
            }
            return out;
        } catch (SQLException e) {
            throw ServerErrors.during("reading the schemas' sequences", "source", e);
        }
    }

    /** Every sequence the tables use: owned by a column, identity, or called by a column default. */
    List<SequenceInfo> sequences(Connection source, String stateSchema) {
        return new CatalogReader(source, stateSchema).read(tables).sequences();
    }
}
