package dev.ferry.cli;

import dev.ferry.core.Db;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.core.check.Problem;
import dev.ferry.core.diff.Difference;
import dev.ferry.core.diff.SchemaDiff;
import dev.ferry.core.state.StateStore;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.Transform;
import dev.ferry.transforms.TransformChain;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The schema part of {@code ferry check}: the transforms must build, should each touch a table, and tables the
 * target already has must match the source after transforms (the same comparison as {@code ferry diff}).
 * Tables the target lacks are fine: the snapshot creates them. A run already under way is not compared: its
 * tables are Ferry's own, possibly still without their indexes.
 */
final class SchemaCheck {
    private SchemaCheck() {}

    static List<Problem> run(Settings s) {
        List<Problem> out = new ArrayList<>();
        TransformChain chain;
        try {
            chain = Transforms.chain(s, null);
        } catch (RuntimeException e) {
            out.add(Problem.problem("transforms", e.getMessage()));
            return out;
        }
        try (StateStore store = StateStore.openExisting(s.target(), s.stateSchema()).orElse(null)) {
            if (store != null && store.run().isPresent()) {
                return out;
            }
        }
        try (Connection src = Db.open(s.source(), "source", "check"); Connection tgt = Db.open(s.target(), "target", "check")) {
            Catalog source = new CatalogReader(src, s.stateSchema()).read(s.tables());
            for (Transform t : chain.unused(source.tables().values().stream().map(TableInfo::schema).toList())) {
                out.add(Problem.warning("transforms", "transform " + t.name() + " touches none of the tables to move; "
                        + "check its table: (after earlier renames)"));
            }
            Map<TableId, TableInfo> mapped = new LinkedHashMap<>();
            for (TableInfo t : source.tables().values()) {
                mapped.put(chain.mapSchema(t.schema()).id(), t);
            }
            CatalogReader targetReader = new CatalogReader(tgt, s.stateSchema());
            List<TableId> present = new ArrayList<>(mapped.keySet());
            present.removeAll(targetReader.missing(present));
            if (present.isEmpty()) {
                return out;
            }
            Catalog target = targetReader.read(present);
            Map<TableId, TableInfo> compared = new LinkedHashMap<>();
            present.forEach(id -> compared.put(mapped.get(id).id(), mapped.get(id)));
            for (Difference d : SchemaDiff.compare(new Catalog(compared, source.types(), source.sequences()), chain, target)) {
                out.add(Problem.problem("schema_diff", "the target's existing " + d.describe() + "; make the target "
                        + "table match (or drop it and let Ferry create it), see \"ferry diff\""));
            }
        } catch (SQLException e) {
            out.add(Problem.problem("schema_diff", "comparing the schemas failed: " + e.getMessage()));
        } catch (RuntimeException e) {
            out.add(Problem.problem("schema_diff", "comparing the schemas failed: " + e.getMessage()));
        }
        return out;
    }
}
