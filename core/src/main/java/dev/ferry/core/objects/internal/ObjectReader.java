package dev.ferry.core.objects.internal;

import dev.ferry.core.ServerErrors;
import dev.ferry.core.objects.ObjectScope;
import dev.ferry.core.objects.ObjectSet;
import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the objects of a scope from one server's catalog, one family at a time, and orders them.
 *
 * <p>Runs with an empty {@code search_path}, as pg_dump does, so every {@code pg_get_*def} qualifies each name and
 * the text replays on the other server unchanged; works in the caller's transaction, so a read under the exported
 * snapshot sees the objects of the snapshot.
 */
public final class ObjectReader {
    private ObjectReader() {}

    /** @param role {@code source} or {@code target}, for the error message */
    public static ObjectSet read(Connection c, ObjectScope scope, String role) {
        try {
            String oldPath;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('search_path')")) {
                rs.next();
                oldPath = rs.getString(1);
            }
            try (Statement st = c.createStatement()) {
                st.execute("SET search_path = ''");
            }
            try {
                return readAll(new ReadContext(c, scope));
            } finally {
                try (PreparedStatement ps = c.prepareStatement("SELECT set_config('search_path', ?, false)")) {
                    ps.setString(1, oldPath);
                    ps.execute();
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the objects around the tables", role, e);
        }
    }

    private static ObjectSet readAll(ReadContext x) throws SQLException {
        List<SchemaObject> all = new ArrayList<>();
        all.addAll(Namespaces.read(x));
        all.addAll(Routines.read(x));
        all.addAll(OperatorsAndCasts.read(x));
        all.addAll(Relations.read(x));
        all.addAll(TableParts.read(x));
        all.addAll(TableRules.read(x));
        all.addAll(DefaultPrivileges.read(x));
        Map<String, String> skipped = new LinkedHashMap<>();
        List<SchemaObject> kept = new ArrayList<>();
        List<SchemaObject> notCarried = new ArrayList<>();
        for (SchemaObject o : all) {
            if (o.kind() == Kind.COLUMN && x.reshaped.contains(o.oid()) && !x.keptColumns.get(o.oid()).contains(o.name())) {
                skipped.put(o.title(), "a transform renames, retypes or drops it, so the column has another name or "
                        + "type on the target, or none: set its comment and privileges there yourself");
                notCarried.add(o);
            } else if (o.kind() == Kind.STATISTICS && o.stage() == SchemaObject.Stage.EXISTING) {
                skipped.put(o.title(), "its table is reshaped by a transform, so its columns may have other names or "
                        + "types on the target: give its new definition in ferry.yml (objects: replace:), or skip it there");
                notCarried.add(o);
            } else {
                kept.add(o);
            }
        }
        DependencyOrder.Result r = DependencyOrder.order(x, kept);
        r.excluded().forEach((o, why) -> {
            skipped.put(o.title(), why);
            notCarried.add(o);
        });
        return new ObjectSet(r.ordered(), skipped, LeftOut.read(x.c, x.scope.publication()), notCarried);
    }
}
