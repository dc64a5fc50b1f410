package dev.ferry.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.core.Db;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.diff.Difference;
import dev.ferry.core.diff.SchemaDiff;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TransformChain;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "diff", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare the source schema, reshaped by the configured transforms, with the target's existing "
                + "schema: missing, unexpected and changed tables, columns, types, nullability, defaults, primary keys, "
                + "indexes, foreign keys and sequences.",
                "Only reads. Exit 0 when they match, 1 when they differ."})
final class DiffCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--json", description = "Print the differences as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Settings s = connection.resolve(true, true);
        TransformChain chain = Transforms.chain(s, null);
        Catalog source;
        try (Connection c = Db.open(s.source(), "source", "diff")) {
            source = new CatalogReader(c, s.stateSchema()).read(s.tables());
        }
        List<TableId> targetTables = s.tables().isEmpty() ? List.of()
                : source.tables().values().stream().map(t -> chain.mapSchema(t.schema()).id()).toList();
        Catalog target;
        try (Connection c = Db.open(s.target(), "target", "diff")) {
            target = new CatalogReader(c, s.stateSchema()).read(targetTables);
        }
        List<Difference> diffs = SchemaDiff.compare(source, chain, target);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("equal", diffs.isEmpty());
            doc.put("differences", diffs.stream().map(d -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("kind", d.kind().name().toLowerCase());
                m.put("object", d.object());
                m.put("expected", d.expected());
                m.put("actual", d.actual());
                m.put("message", d.describe());
                return m;
            }).toList());
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
        } else {
            diffs.forEach(d -> out.println("differs: " + d.describe()));
            out.println(diffs.isEmpty() ? "The target's schema matches the source after transforms ("
                    + source.tables().size() + " tables)." : diffs.size() + " difference(s) between the source after "
                    + "transforms and the target.");
        }
        return diffs.isEmpty() ? 0 : 1;
    }
}
