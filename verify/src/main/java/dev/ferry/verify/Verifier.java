package dev.ferry.verify;

import dev.ferry.core.Daemons;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.verify.internal.CommonPoint;
import dev.ferry.verify.internal.RowHash;
import dev.ferry.verify.internal.Side;
import dev.ferry.verify.internal.SqlHashComparison;
import dev.ferry.verify.internal.StreamComparison;
import dev.ferry.verify.internal.TableShape;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * {@code ferry verify}: compares every chosen source table with its target table and names the rows that
 * differ. Tables no transform touches are hashed inside both servers ({@link SqlHashComparison}); tables the
 * transforms touch are streamed through them ({@link StreamComparison}). Up to {@code jobs} tables are compared
 * at once, and each large table is scanned by up to {@code jobs} workers per server.
 *
 * <p>While a stream runs (its state is on the target), each read of the target waits until the stream has
 * applied what the source read saw, and differences are re-read before they are reported
 * ({@link CommonPoint}).
 */
public final class Verifier {
    private Verifier() {}

    public static VerifyResult verify(VerifyOptions o) {
        return verify(o, t -> { });
    }

    /**
     * @param onTable called with each table's result as soon as it is known (from worker threads, one call at a
     *                time), so a long run shows progress; the returned result holds them all in catalog order
     */
    public static VerifyResult verify(VerifyOptions o, java.util.function.Consumer<TableResult> onTable) {
        long t0 = System.nanoTime();
        Catalog sourceCatalog = readCatalog(o, true, o.tables());
        Map<TableId, TableSchema> mapped = sourceCatalog.dataTables().stream()
                .collect(Collectors.toMap(TableInfo::id, t -> o.chain().mapSchema(t.schema()), (x, y) -> x,
                        java.util.LinkedHashMap::new));
        List<TableId> targetIds = mapped.values().stream().map(TableSchema::id).distinct().toList();
        Catalog targetCatalog = targetIds.isEmpty() ? null : readCatalog(o, false, targetIds);
        try (Side source = new Side(o.source(), "source", o.jobs());
             Side target = new Side(o.target(), "target", o.jobs());
             CommonPoint point = CommonPoint.open(o.source(), o.target(), o.stateSchema(), o.maxWait())) {
            RowHash hash = RowHash.choose(source, target);
            boolean binary = RowHash.binaryAgrees(source, target);
            int rechecks = o.rechecks() >= 0 ? o.rechecks() : point.live() ? 2 : 0;
            ExecutorService tables = Executors.newFixedThreadPool(o.jobs(), Daemons.named("verify-table"));
            try {
                List<Future<TableResult>> running = new ArrayList<>();
                for (TableInfo table : sourceCatalog.dataTables()) {
                    TableInfo onTarget = targetCatalog == null ? null
                            : targetCatalog.tables().get(mapped.get(table.id()).id());
                    running.add(tables.submit(() -> {
                        TableResult result = compare(o, source, target, point, hash, binary, rechecks, table,
                                mapped.get(table.id()), onTarget);
                        synchronized (onTable) {
                            onTable.accept(result);
                        }
                        return result;
                    }));
                }
                List<TableResult> results = new ArrayList<>();
                for (Future<TableResult> f : running) {
                    results.add(f.get());
                }
                return new VerifyResult(results, (System.nanoTime() - t0) / 1e9);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw FerryException.internal("verify failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw FerryException.internal("verify was interrupted", e);
            } finally {
                tables.shutdownNow();
            }
        }
    }

    private static Catalog readCatalog(VerifyOptions o, boolean ofSource, List<TableId> wanted) {
        String role = ofSource ? "source" : "target";
        try (Connection c = Db.open(ofSource ? o.source() : o.target(), role, "verify")) {
            CatalogReader reader = new CatalogReader(c, o.stateSchema());
            if (ofSource) {
                List<TableId> missing = reader.missing(wanted);
                if (!missing.isEmpty()) {
                    throw FerryException.usage("table " + missing.get(0) + " does not exist on the source "
                            + o.source().address() + "; check --tables");
                }
            }
            return reader.read(wanted);
        } catch (SQLException e) {
            throw ServerErrors.during("reading the catalog", role, e);
        }
    }

    private static TableResult compare(VerifyOptions o, Side source, Side target, CommonPoint point, RowHash hash,
                                       boolean binary, int rechecks, TableInfo table, TableSchema mapped, TableInfo onTarget) {
        long t0 = System.nanoTime();
        TableId targetId = mapped.id();
        // Tables no transform touches, or whose transforms only rename and widen integers (the text of every
        // value is unchanged), are hashed inside both servers; others are streamed through the transforms.
        boolean inSql = o.chain().passesThrough(table.id()) || (o.chain().copiesTextUnchanged(table.schema())
                && mapped.columns().size() == table.schema().columns().size());
        String method = !inSql ? "rows" : table.schema().hasKey() ? "hash" : "hash-multiset";
        if (onTarget == null) {
            return new TableResult(table.id(), targetId, method, -1, -1, 0, false, List.of(),
                    List.of("table " + targetId + " does not exist on the target"), List.of(), seconds(t0));
        }
        List<String> targetColumns = onTarget.schema().columns().stream().map(Column::name).toList();
        List<String> expected = mapped.columns().stream().map(Column::name).toList();
        List<String> problems = new ArrayList<>();
        expected.stream().filter(c -> !targetColumns.contains(c)).forEach(c ->
                problems.add("column " + columnName(c) + " is missing on the target"));
        targetColumns.stream().filter(c -> !expected.contains(c)).forEach(c ->
                problems.add("column " + columnName(c) + " exists only on the target"));
        if (!targetColumns.containsAll(mapped.key())) {
            return new TableResult(table.id(), targetId, method, -1, -1, 0, false, List.of(), problems, List.of(),
                    seconds(t0));
        }
        long estimate = table.estimatedRows() >= 0 ? table.estimatedRows() : table.bytes() / 100;
        try {
            List<String> notes = new ArrayList<>();
            SqlHashComparison.Outcome r;
            if (inSql) {
                // Same columns, same order, same text: the two sides pair up by position (renames included).
                TableShape.Pair shapes = TableShape.of(table.schema(), mapped, onTarget.schema(), binary);
                r = new SqlHashComparison(source, target, point, shapes.source(), shapes.target(), hash, estimate)
                        .run(rechecks, o.listLimit());
            } else {
                StreamComparison c = new StreamComparison(source, target, point, table.schema(), mapped,
                        onTarget.schema(), o.chain(), estimate);
                r = c.run(rechecks, o.listLimit());
                c.uncompared().forEach(n -> notes.add("column " + columnName(n) + " is left to the target to fill "
                        + "(its DEFAULT), so it was not compared"));
            }
            if (r.lowerBound()) {
                notes.add("more rows differ than verify holds in memory to compare one by one, so the count is a "
                        + "lower bound; fix the rows listed (or copy the table again) and run verify again");
            }
            if (r.differences() > 0 && (r.waited() == CommonPoint.Outcome.QUIET
                    || r.waited() == CommonPoint.Outcome.TIMED_OUT)) {
                notes.add("the stream had not confirmed the source position when the target was read (applied "
                        + point.applied() + "); if it is still catching up, run verify again");
            }
            return new TableResult(table.id(), targetId, method, r.sourceRows(), r.targetRows(), r.differences(),
                    r.lowerBound(), r.listed(), problems, notes, seconds(t0));
        } catch (SQLException e) {
            throw ServerErrors.during("comparing table " + table.id(), "source or the target", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException(ExitCode.INTERNAL, "verify was interrupted", e);
        }
    }


    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Column names for sentences: bare when plain, quoted otherwise. */
    private static String columnName(String column) {
        return column.matches("[a-z_][a-z0-9_]*") ? column : dev.ferry.transforms.Identifiers.quote(column);
    }
}
