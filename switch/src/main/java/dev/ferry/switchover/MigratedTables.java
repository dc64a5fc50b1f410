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
import java.sql.SQLException;
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

    /** Every sequence the tables use: owned by a column, identity, or called by a column default. */
    List<SequenceInfo> sequences(Connection source, String stateSchema) {
        return new CatalogReader(source, stateSchema).read(tables).sequences();
    }
}
