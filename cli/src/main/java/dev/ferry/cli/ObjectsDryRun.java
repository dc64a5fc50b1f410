package dev.ferry.cli;

import dev.ferry.core.Db;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.objects.ObjectChoices;
import dev.ferry.core.objects.ObjectMigration;
import dev.ferry.core.objects.ObjectScope;
import dev.ferry.core.objects.ObjectSet;
import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Stage;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/**
 * {@code ferry dry-run --objects}: the statements that create the objects around the tables on the target, stage by
 * stage, as the snapshot runs them (ferry.yml's {@code objects:} applied), and what is not carried. Reads the source
 * in a READ ONLY transaction; owners, privileges and comments come after the copy and depend on the target.
 */
final class ObjectsDryRun {
    private static final Map<Stage, String> STAGES = Map.of(
            Stage.BEFORE_TYPES, "before the types: schemas, extensions, collations",
            Stage.BEFORE_TABLES, "before the tables (check_function_bodies = off)",
            Stage.AFTER_TABLES, "after the tables",
            Stage.AFTER_COPY, "after the copy and the index build");

    private ObjectsDryRun() {}

    static int show(Settings s, PrintWriter out) {
        ObjectChoices choices = s.file().objectChoices();
        try (Connection c = Db.open(s.source(), "source", "dry-run")) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            Catalog catalog = new CatalogReader(c, s.stateSchema()).read(s.tables());
            ObjectScope scope = ObjectScope.of(catalog, Transforms.chain(s, null), s.stateSchema(), null);
            ObjectSet objects = choices.apply(ObjectMigration.read(c, scope, "source"));
            c.rollback();
            int n = 0;
            for (Stage stage : Stage.values()) {
                if (stage == Stage.EXISTING || objects.at(stage).stream().allMatch(o -> o.create().isEmpty())) {
                    continue;
                }
                out.println("-- " + STAGES.get(stage));
                for (SchemaObject o : objects.at(stage)) {
                    if (o.create().isEmpty()) {
                        continue;
                    }
                    out.println("-- " + o.title() + (choices.replace().containsKey(o.title()) ? " (replaced in ferry.yml)" : ""));
                    o.create().forEach(sql -> out.println(sql.strip().endsWith(";") ? sql.strip() : sql.strip() + ";"));
                    n++;
                }
                out.println();
            }
            objects.skipped().forEach((what, why) -> out.println("-- not carried: " + what + " (" + why + ")"));
            out.println("-- " + n + " object(s) created; then owners, privileges and comments (nothing is written)");
            return 0;
        } catch (SQLException e) {
            throw ServerErrors.during("reading the objects around the tables", "source", e);
        }
    }
}
