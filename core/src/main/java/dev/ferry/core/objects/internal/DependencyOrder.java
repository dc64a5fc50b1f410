package dev.ferry.core.objects.internal;

import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Stage;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Orders objects by {@code pg_depend}, as pg_dump does: an object after everything it uses. A view's dependencies
 * are recorded on its {@code _RETURN} rule and are moved to the view. An object is moved to a later stage when it
 * uses something of that stage (a function whose SQL body names a table comes after the tables), and left out,
 * with the reason, when it uses a table that is not migrated, a table a transform reshapes, or a relation or
 * function of a schema that is not migrated.
 */
final class DependencyOrder {
    /** The objects in creation order, and those left out with why. */
    record Result(List<SchemaObject> ordered, Map<SchemaObject, String> excluded) {}

    private record Edge(long classId, long objId, long refClassId, long refObjId, String refTitle, boolean refIsTable,
                        boolean refIsBlocking) {}

    private DependencyOrder() {}

    static Result order(ReadContext x, List<SchemaObject> objects) throws SQLException {
        Map<String, SchemaObject> byOid = new LinkedHashMap<>();
        for (SchemaObject o : objects) {
            // A table is the snapshot's: what uses it is handled below, by whether it is migrated and reshaped.
            if (o.classId() != 0 && o.kind() != SchemaObject.Kind.COLUMN && o.kind() != SchemaObject.Kind.TABLE) {
                byOid.putIfAbsent(o.classId() + "/" + o.oid(), o);
            }
        }
        List<Edge> edges = Query.rows(x.c, "SELECT CASE WHEN d.classid = 'pg_rewrite'::regclass "
                + "  THEN 'pg_class'::regclass::oid ELSE d.classid END::int8, "
                + "CASE WHEN d.classid = 'pg_rewrite'::regclass AND r.rulename = '_RETURN' THEN r.ev_class "
                + "  ELSE d.objid END::int8, d.refclassid::int8, d.refobjid::int8, "
                + "(pg_identify_object(d.refclassid, d.refobjid, 0)).type || ' ' "
                + "  || (pg_identify_object(d.refclassid, d.refobjid, 0)).identity, "
                + "coalesce(rc.relkind IN ('r', 'p'), false), "
                + "d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass) AND NOT EXISTS (SELECT 1 FROM pg_depend e "
                + "  WHERE e.classid = d.refclassid AND e.objid = d.refobjid AND e.deptype = 'e') "
                + "FROM pg_depend d LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid "
                + "LEFT JOIN pg_class rc ON d.refclassid = 'pg_class'::regclass AND rc.oid = d.refobjid "
                + "WHERE d.deptype = 'n' AND d.objid >= 16384 AND d.refobjid >= 16384",
                rs -> new Edge(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getString(5),
                        rs.getBoolean(6), rs.getBoolean(7)));
        Map<SchemaObject, Set<SchemaObject>> uses = new HashMap<>();
        Map<SchemaObject, String> excluded = new LinkedHashMap<>();
        Map<SchemaObject, Stage> stage = new HashMap<>();
        objects.forEach(o -> stage.put(o, o.stage()));
        for (Edge e : edges) {
            SchemaObject from = byOid.get(e.classId + "/" + e.objId);
            if (from == null) {
                continue;
            }
            SchemaObject to = byOid.get(e.refClassId + "/" + e.refObjId);
            if (to != null) {
                if (to != from) {
                    uses.computeIfAbsent(from, k -> new LinkedHashSet<>()).add(to);
                }
            } else if (e.refIsTable && x.tables.containsKey(e.refObjId)) {
                if (x.reshaped.contains(e.refObjId)) {
                    excluded.putIfAbsent(from, "it uses " + e.refTitle + ", which a transform reshapes: give its new "
                            + "definition in ferry.yml (objects: replace:), or skip it there");
                } else if (stage.get(from).compareTo(Stage.AFTER_TABLES) < 0) {
                    stage.put(from, Stage.AFTER_TABLES);
                }
            } else if (e.refIsBlocking) {
                excluded.putIfAbsent(from, "it uses " + e.refTitle + ", which is not migrated");
            }
        }
        // Later stages and exclusions pass on to whatever uses the object, until nothing changes.
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<SchemaObject, Set<SchemaObject>> u : uses.entrySet()) {
                SchemaObject from = u.getKey();
                for (SchemaObject to : u.getValue()) {
                    if (excluded.containsKey(to) && !excluded.containsKey(from)) {
                        excluded.put(from, "it uses " + to.title() + ", which is left out");
                        changed = true;
                    }
                    Stage s = stage.get(to);
                    if (s.compareTo(Stage.AFTER_COPY) < 0 && s.compareTo(stage.get(from)) > 0) {
                        stage.put(from, s);
                        changed = true;
                    }
                }
            }
        }
        List<SchemaObject> ordered = new ArrayList<>();
        Set<SchemaObject> placed = new LinkedHashSet<>();
        Set<SchemaObject> visiting = new LinkedHashSet<>();
        for (Stage s : Stage.values()) {
            for (SchemaObject o : objects) {
                if (stage.get(o) == s && !excluded.containsKey(o)) {
                    visit(o, s, stage, uses, excluded, placed, visiting, ordered);
                }
            }
        }
        return new Result(ordered, excluded);
    }

    /** Depth first: what an object of this stage uses in this stage comes first; a cycle is broken where found. */
    private static void visit(SchemaObject o, Stage s, Map<SchemaObject, Stage> stage,
                              Map<SchemaObject, Set<SchemaObject>> uses, Map<SchemaObject, String> excluded,
                              Set<SchemaObject> placed, Set<SchemaObject> visiting, List<SchemaObject> ordered) {
        if (placed.contains(o) || !visiting.add(o)) {
            return;
        }
        for (SchemaObject dep : uses.getOrDefault(o, Set.of())) {
            if (stage.get(dep) == s && !excluded.containsKey(dep)) {
                visit(dep, s, stage, uses, excluded, placed, visiting, ordered);
            }
        }
        visiting.remove(o);
        placed.add(o);
        ordered.add(o.stage() == s ? o : o.withStage(s));
    }
}
