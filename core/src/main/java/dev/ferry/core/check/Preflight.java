package dev.ferry.core.check;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ferry check}: every prerequisite of a run on both servers, all reported at once. Only reads (the one
 * write-like statement, a {@code SET LOCAL} on the target, is rolled back). A server that cannot be reached is
 * one problem; the other server is still checked.
 */
public final class Preflight {
    /** A transaction open longer than this on the source is reported: slot creation would wait for it. */
    public static final Duration LONG_TRANSACTION = Duration.ofSeconds(5);

    private final ConnectionSpec source;
    private final ConnectionSpec target;
    private final List<TableId> tables;
    private final String stateSchema;

    /**
     * @param tables      the tables to move; empty means every table of the source
     * @param stateSchema Ferry's schema on the target, never copied
     */
    public Preflight(ConnectionSpec source, ConnectionSpec target, List<TableId> tables, String stateSchema) {
        this.source = source;
        this.target = target;
        this.tables = List.copyOf(tables);
        this.stateSchema = stateSchema;
    }

    /**
     * Runs every check.
     *
     * @throws FerryException (SERVER) only when a server fails in the middle of the checks
     */
    public CheckReport run() {
        List<Problem> out = new ArrayList<>();
        Connection src = open(source, "source", out);
        Connection tgt = open(target, "target", out);
        boolean unreachable = src == null || tgt == null;
        try {
            Catalog catalog = null;
            List<ColumnType> types = List.of();
            if (src != null) {
                try {
                    SourceChecks checks = new SourceChecks(src, LONG_TRANSACTION, out);
                    checks.server();
                    checks.sessions();
                    checks.replicationRight();
                    CatalogReader reader = new CatalogReader(src, stateSchema);
                    catalog = reader.read(tables);
                    checks.tables(catalog, reader.missing(tables));
                    types = checks.columnTypes(catalog);
                    checks.unsupportedTypes(types);
                } catch (SQLException e) {
                    throw ServerErrors.during("checking", "source", e);
                }
            }
            List<TableInfo> copied = catalog == null ? List.of() : catalog.dataTables();
            if (tgt != null) {
                try {
                    TargetChecks checks = new TargetChecks(tgt, out);
                    checks.writable();
                    checks.rights(catalog == null ? List.of() : List.copyOf(catalog.tables().values()), stateSchema);
                    checks.emptyTables(copied);
                    if (src != null) {
                        CrossChecks.distinct(src, tgt, out);
                        CrossChecks.extensions(types, tgt, out);
                        CrossChecks.money(types, src, tgt, out);
                    }
                } catch (SQLException e) {
                    throw ServerErrors.during("checking", "target", e);
                }
            }
            return new CheckReport(out, unreachable, copied.size());
        } finally {
            close(src);
            close(tgt);
        }
    }

    /** Opens a connection, or records why not: wrong password, no route, no such database. */
    private static Connection open(ConnectionSpec spec, String role, List<Problem> out) {
        try {
            return Db.open(spec, role, "check");
        } catch (FerryException e) {
            out.add(Problem.problem("connect_" + role, e.getMessage()));
            return null;
        }
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the checks are done; a failing close changes nothing they found
            }
        }
    }
}
