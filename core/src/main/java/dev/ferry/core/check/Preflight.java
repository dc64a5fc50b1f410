package dev.ferry.core.check;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.core.objects.ObjectOptions;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.StateStore;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TransformChain;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
    /** The chosen tables on the source, once read. */
    private Catalog sourceCatalog;
    /** What the source's columns are built from, once read; the target's checks compare against it. */
    private List<ColumnType> columnTypes = List.of();
    private ObjectOptions objects = ObjectOptions.DEFAULT;
    private TransformChain transforms = TransformChain.identity();

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

    /** How the objects are to be carried (--create-roles, --no-owner, --no-privileges); the default otherwise. */
    public Preflight withObjects(ObjectOptions options) {
        this.objects = options;
        return this;
    }

    /** The run's transforms: objects that use what they reshape are named. */
    public Preflight withTransforms(TransformChain chain) {
        this.transforms = chain;
        return this;
    }

    /**
     * Runs every check, once per instance. A check whose query fails becomes one problem of its own; the others
     * still run.
     */
    public CheckReport run() {
        List<Problem> out = new ArrayList<>();
        Connection src = open(source, "source", out);
        Connection tgt = open(target, "target", out);
        Steps steps = new Steps(out);
        try {
            RunInfo run = tgt == null ? null : existingRun(steps, out);
            Catalog catalog = src == null ? null : checkSource(src, run, steps, out);
            List<ColumnType> types = catalog == null ? List.of() : columnTypes;
            List<TableInfo> copied = catalog == null ? List.of() : catalog.dataTables();
            if (tgt != null) {
                TargetChecks checks = new TargetChecks(tgt, out);
                if (steps.run("the user", "target", checks::identify)) {
                    List<TableInfo> all = catalog == null ? List.of() : List.copyOf(catalog.tables().values());
                    steps.run("that it is writable", "target", checks::writable);
                    steps.run("the user's rights", "target", () -> checks.rights(all, stateSchema));
                    if (run == null) {
                        steps.run("existing tables", "target", () -> checks.emptyTables(copied));
                    }
                }
                if (src != null) {
                    steps.run("that source and target differ", "target", () -> CrossChecks.distinct(src, tgt, out));
                    steps.run("extensions", "target", () -> CrossChecks.extensions(types, tgt, out));
                    steps.run("money formatting", "target", () -> CrossChecks.money(types, src, tgt, out));
                    if (catalog != null) {
                        steps.run("the objects around the tables", "target",
                                () -> ObjectChecks.run(src, tgt, catalog, transforms, stateSchema, objects, out));
                    }
                }
            }
            return new CheckReport(out, src == null || tgt == null || steps.lostConnection, copied.size());
        } finally {
            close(src);
            close(tgt);
        }
    }

    /** The source's checks; returns the catalog of the chosen tables, or null when it could not be read. */
    private Catalog checkSource(Connection src, RunInfo run, Steps steps, List<Problem> out) {
        SourceChecks checks = new SourceChecks(src, LONG_TRANSACTION, out);
        if (!steps.run("the user", "source", checks::identify)) {
            return null;
        }
        steps.run("the server settings", "source", () -> checks.server(run == null ? null : run.slot()));
        steps.run("open transactions", "source", checks::sessions);
        steps.run("the REPLICATION privilege", "source", checks::replicationRight);
        CatalogReader reader = new CatalogReader(src, stateSchema);
        if (steps.run("the tables", "source", () -> {
            sourceCatalog = reader.read(tables);
            checks.tables(sourceCatalog, reader.missing(tables));
        })) {
            steps.run("the column types", "source", () -> {
                columnTypes = checks.columnTypes(sourceCatalog);
                checks.unsupportedTypes(columnTypes);
            });
        }
        return sourceCatalog;
    }

    /**
     * A run Ferry already recorded on the target: {@code ferry start} resumes it, so its slot and the rows it
     * copied are no obstacle. Null when there is none.
     */
    private RunInfo existingRun(Steps steps, List<Problem> out) {
        RunInfo[] found = {null};
        steps.run("Ferry's state schema", "target", () -> {
            Optional<StateStore> store = StateStore.openExisting(target, stateSchema);
            if (store.isPresent()) {
                try (StateStore s = store.get()) {
                    found[0] = s.run().orElse(null);
                }
            }
        });
        if (found[0] != null) {
            RunInfo r = found[0];
            out.add(Problem.info("existing_run", "the target already holds a Ferry run in schema \"" + stateSchema
                    + "\" (phase " + r.phase().name().toLowerCase(java.util.Locale.ROOT) + ", slot \"" + r.slot()
                    + "\", started " + r.startedAt() + "), which ferry start resumes, so its slot and the rows it "
                    + "copied are not counted as problems; to start over instead, drop that slot on the source and "
                    + "schema \"" + stateSchema + "\" on the target first"));
        }
        return found[0];
    }

    /** Runs checks one at a time, so a failing query costs its own check and never the whole report. */
    private static final class Steps {
        /** One check; reads, and adds what it finds to the shared list. */
        @FunctionalInterface
        interface Step {
            void run() throws SQLException;
        }

        private final List<Problem> out;
        boolean lostConnection;

        Steps(List<Problem> out) {
            this.out = out;
        }

        /** True when the step ran to the end. */
        boolean run(String what, String role, Step step) {
            try {
                step.run();
                return true;
            } catch (SQLException e) {
                lostConnection |= Db.isConnectionLoss(e);
                out.add(Problem.problem("check_failed", "checking " + what + " on the " + role + " failed ("
                        + ServerErrors.firstLine(e) + "); fix that and run ferry check again"));
            } catch (FerryException e) {
                lostConnection |= e.code() == dev.ferry.core.ExitCode.SERVER && e.getCause() instanceof SQLException q
                        && Db.isConnectionLoss(q);
                out.add(Problem.problem("check_failed", e.getMessage()));
            }
            return false;
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
