package dev.ferry.cli;

import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "dry-run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Read real rows of one source table, run the configured transforms on them, and show each row "
                + "before and after, with the rows a transform filtered out or rejected and why; or, with --objects, "
                + "the SQL that creates the objects around the tables.",
                "Read-only: nothing is written on the source or the target (the source is read in a READ ONLY "
                        + "transaction; the target is not contacted)."})
final class DryRunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--table", paramLabel = "TABLE", description = "The source table to sample.")
    String table;

    @Option(names = "--objects", description = "Show instead the SQL that creates the objects around the tables on the "
            + "target, stage by stage, with ferry.yml's objects: (replace, skip) applied, and what is not carried.")
    boolean objects;

    @Option(names = "--limit", defaultValue = "10", paramLabel = "N", description = "Rows to read (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
        Settings s = connection.resolve(true, false);
        if (objects) {
            return ObjectsDryRun.show(s, spec.commandLine().getOut());
        }
        if (table == null) {
            throw FerryException.usage("dry-run needs --table TABLE (rows through the transforms) or --objects (the "
                    + "objects' SQL)");
        }
        TableId id = parseTable();
        PrintWriter out = spec.commandLine().getOut();
        try (Connection c = Db.open(s.source(), "source", "dry-run")) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            TableInfo info = new CatalogReader(c, s.stateSchema()).read(List.of(id)).table(id).orElseThrow(() ->
                    new FerryException(ExitCode.USAGE, "table " + id + " does not exist on the source; check --table"));
            TransformChain chain = Transforms.chain(s, new dev.ferry.core.JdbcLookup(c));
            out.println("Dry run of " + id + " -> " + chain.mapSchema(info.schema()).id() + " (" + limit
                    + " rows, nothing is written)");
            int shown = 0;
            int filtered = 0;
            int rejected = 0;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(select(info, limit))) {
                List<Column> cols = info.schema().columns();
                while (rs.next()) {
                    String[] values = new String[cols.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = rs.getString(i + 1);
                    }
                    Row before = Row.of(info.schema(), values);
                    out.println();
                    out.println("before  " + before.asMap());
                    try {
                        List<Row> after = chain.apply(before);
                        if (after.isEmpty()) {
                            filtered++;
                            out.println("after   (filtered out: not written to the target)");
                        }
                        for (Row a : after) {
                            out.println("after   " + (a.table().equals(before.table()) ? "" : a.table() + " ") + a.asMap());
                        }
                    } catch (TransformException e) {
                        rejected++;
                        out.println("REJECTED by " + e.transform() + ": " + e.getCause().getMessage());
                    }
                    shown++;
                }
            }
            c.rollback();
            out.println();
            out.println(shown + " row(s) read, " + filtered + " filtered out, " + rejected + " rejected.");
            return rejected == 0 ? 0 : ExitCode.PROBLEMS.status();
        } catch (SQLException e) {
            throw ServerErrors.during("reading " + id, "source", e);
        }
    }

    private TableId parseTable() {
        try {
            return TableId.parse(table);
        } catch (IllegalArgumentException e) {
            throw FerryException.usage(e.getMessage());
        }
    }

    /** Every column as PostgreSQL's text form, the form transforms see; key order for a stable sample. */
    static String select(TableInfo info, int limit) {
        String cols = info.schema().columns().stream().map(c -> "t." + c.quotedName() + "::text").collect(Collectors.joining(", "));
        String order = info.schema().key().isEmpty() ? "" : " ORDER BY " + info.schema().key().stream()
                .map(k -> "t." + dev.ferry.transforms.Identifiers.quote(k)).collect(Collectors.joining(", "));
        return "SELECT " + cols + " FROM " + info.id().quoted() + " t" + order + " LIMIT " + Math.max(0, limit);
    }
}
