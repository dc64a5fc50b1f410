package dev.ferry.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.core.Db;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.diff.Difference;
import dev.ferry.core.diff.SchemaDiff;
import dev.ferry.core.objects.BodyMentions;
import dev.ferry.core.objects.ObjectMigration;
import dev.ferry.core.objects.ObjectScope;
import dev.ferry.core.objects.ObjectSet;
import dev.ferry.core.state.Phase;
import dev.ferry.core.state.StateStore;
import java.util.ArrayList;
import java.util.Optional;
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
                + "indexes, foreign keys and sequences, and the objects around them: views, functions, triggers, "
                + "policies, sequences, owners, privileges and comments.",
                "Only reads. Exit 0 when they match, 1 when they differ."})
final class DiffCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    ObjectFlags objects = new ObjectFlags();

    @Option(names = "--json", description = "Print the differences as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Settings s = connection.resolve(true, true);
        TransformChain chain = Transforms.chain(s, null);
        Catalog source;
        Catalog target;
        List<Difference> diffs;
        ObjectSet carried;
        List<BodyMentions.Mention> mentions;
        try (Connection sc = Db.open(s.source(), "source", "diff"); Connection tc = Db.open(s.target(), "target", "diff")) {
            source = new CatalogReader(sc, s.stateSchema()).read(s.tables());
            List<TableId> targetTables = s.tables().isEmpty() ? List.of()
                    : source.tables().values().stream().map(t -> chain.mapSchema(t.schema()).id()).toList();
            target = new CatalogReader(tc, s.stateSchema()).read(targetTables);
            diffs = new ArrayList<>(SchemaDiff.compare(source, chain, target));
            ObjectScope scope = ObjectScope.of(source, chain, s.stateSchema(), null);
            List<Difference> objectDiffs = ObjectMigration.diff(sc, tc, scope, objects.options(s), streaming(s));
            diffs.addAll(objectDiffs);
            carried = objects.options(s).choices().apply(ObjectMigration.read(sc, scope, "source"));
            mentions = BodyMentions.find(sc, source, chain, scope, objects.options(s).choices());
        }
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
            doc.put("not_carried", carried.skipped());
            doc.put("body_mentions", mentions.stream().map(BodyMentions.Mention::sentence).toList());
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
        } else {
            diffs.forEach(d -> out.println("differs: " + d.describe()));
            carried.skipped().forEach((what, why) -> out.println("not carried: " + what + " (" + why + ")"));
            mentions.forEach(m -> out.println("check: " + m.sentence()));
            out.println(diffs.isEmpty() ? "The target's schema matches the source after transforms ("
                    + source.tables().size() + " tables, " + carried.objects().size() + " objects around them)."
                    : diffs.size() + " difference(s) between the source after "
                    + "transforms and the target.");
        }
        return diffs.isEmpty() ? 0 : 1;
    }

    /** True while a run streams into the target and has not switched (triggers wait for the switch's state). */
    private static boolean streaming(Settings s) {
        Optional<StateStore> store = StateStore.openExisting(s.target(), s.stateSchema());
        if (store.isEmpty()) {
            return false;
        }
        try (StateStore st = store.get()) {
            return st.run().map(r -> r.phase() != Phase.SWITCHED).orElse(false);
        }
    }
}
