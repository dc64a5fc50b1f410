package dev.ferry.core.objects;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.FerryException;
import dev.ferry.core.Queries;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.TypeInfo;
import dev.ferry.core.ddl.DdlWriter;
import dev.ferry.core.diff.Difference;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import dev.ferry.core.objects.internal.ViewText;
import java.util.Map;
import dev.ferry.core.objects.internal.ObjectReader;
import dev.ferry.core.objects.internal.ObjectWriter;
import dev.ferry.core.objects.internal.Roles;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Carries the objects around the tables: read once from the source's catalog (under the snapshot), created on the
 * target in dependency order around the snapshot's own steps ({@link ObjectSteps}), completed after the copy
 * ({@link #afterCopy}) and at the switch ({@link #refreshMaterializedViews} before the fence,
 * {@link #enableAsOnSource} once traffic moved). Why the catalog and not pg_dump: docs/design.md.
 */
public final class ObjectMigration implements ObjectSteps {
    private final Connection source;
    private final ObjectSet objects;
    private final ObjectScope scope;
    private final ObjectOptions options;
    private final Consumer<String> log;
    /** The writer of the last target connection the steps ran on, with what it knows the target has. */
    private ObjectWriter writer;

    private ObjectMigration(Connection source, ObjectSet objects, ObjectScope scope, ObjectOptions options,
                            Consumer<String> log) {
        this.source = source;
        this.objects = objects;
        this.scope = scope;
        this.options = options;
        this.log = log;
    }

    /**
     * Reads the source's objects (in the caller's transaction on {@code source}, kept for the steps) and names what
     * is not carried. Refuses SECURITY DEFINER functions under --no-owner: they would run as Ferry's role.
     */
    public static ObjectMigration read(Connection source, ObjectScope scope, ObjectOptions options, Consumer<String> log) {
        ObjectSet objects = options.choices().apply(ObjectReader.read(source, scope, "source"));
        refuseDefiners(objects, options);
        objects.skipped().forEach((what, why) -> log.accept("not carried: " + what + " (" + why + ")"));
        if (!objects.leftOut().isEmpty()) {
            log.accept("left out: " + String.join(", ", objects.leftOut()) + " (Ferry does not carry these; create them "
                    + "on the target if it needs them)");
        }
        return new ObjectMigration(source, objects, scope, options, log);
    }

    /**
     * What {@code target} has of the scope's objects (by their target names), for {@link #knowTarget}: a caller
     * that reads it on a thread of its own while {@link #read} reads the source saves the steps' first read.
     */
    public static ObjectSet readTarget(Connection target, ObjectScope scope) {
        return ObjectReader.read(target, scope.onTarget(), "target");
    }

    /**
     * The steps on {@code target} start from {@code has} ({@link #readTarget} on that connection) instead of
     * reading it first. Only schemas and extensions may have been created on it since: their statements are
     * {@code IF NOT EXISTS}, so one created again is harmless.
     */
    public void knowTarget(Connection target, ObjectSet has) {
        writer(target).seed(has);
    }

    /**
     * What would stop the run later, found before it starts (before the slot exists): SECURITY DEFINER functions
     * under --no-owner, roles the target lacks without --create-roles.
     */
    public static void refuseEarly(Connection source, ConnectionSpec target, ObjectScope scope, ObjectOptions options) {
        try (Connection t = Db.open(target, "target", "objects")) {
            refuseEarly(source, t, scope, options);
        } catch (SQLException e) {
            throw ServerErrors.during("closing a connection", "target", e);
        }
    }

    /**
     * The same, on a target connection the caller holds. The source's objects (some 50 catalog queries, most of a
     * cold run's time before its slot) are read only when {@link #nothingToRefuse} cannot tell.
     */
    public static void refuseEarly(Connection source, Connection target, ObjectScope scope, ObjectOptions options) {
        if (nothingToRefuse(source, target, options)) {
            return;
        }
        ObjectSet objects = options.choices().apply(ObjectReader.read(source, scope, "source"));
        refuseDefiners(objects, options);
        if (!options.createRoles()) {
            List<String> missing = missingRoles(source, objects, target, options);
            if (!missing.isEmpty()) {
                throw FerryException.usage(missingRolesSentence(missing));
            }
        }
    }

    /**
     * True when no object of the source's database can be refused, seen in two or three queries: the target has
     * every role an object there can name ({@link Roles#namedInDatabase}, a superset of those of the objects in
     * scope), or {@code --create-roles} creates them; there is no SECURITY DEFINER function outside the system
     * schemas, or no {@code --no-owner}; and ferry.yml names no object (one the source lacks is refused, which only
     * the read shows). False means only that the objects must be read to tell.
     */
    static boolean nothingToRefuse(Connection source, Connection target, ObjectOptions options) {
        if (!options.choices().none()) {
            return false;
        }
        List<String> named;
        try {
            if (options.noOwner() && !Queries.rows(source, "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = "
                    + "p.pronamespace WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                    + "LIMIT 1", rs -> 1).isEmpty()) {
                return false;
            }
            if (options.createRoles()) {
                return true;
            }
            named = Roles.namedInDatabase(source);
        } catch (SQLException e) {
            throw ServerErrors.during("looking up the roles the source's objects name", "source", e);
        }
        try {
            return Roles.missing(target, named).isEmpty();
        } catch (SQLException e) {
            throw ServerErrors.during("looking up roles", "target", e);
        }
    }

    private static void refuseDefiners(ObjectSet objects, ObjectOptions options) {
        if (!options.noOwner()) {
            return;
        }
        List<String> definers = objects.objects().stream().filter(SchemaObject::securityDefiner)
                .map(SchemaObject::title).toList();
        if (!definers.isEmpty()) {
            boolean one = definers.size() == 1;
            throw FerryException.usage(String.join(", ", definers) + (one ? " is" : " are") + " SECURITY DEFINER: "
                    + "under --no-owner " + (one ? "it" : "they") + " would run with the rights of Ferry's role on the "
                    + "target; drop --no-owner, or make " + (one ? "it" : "them") + " SECURITY INVOKER on the source first");
        }
    }

    public ObjectSet objects() {
        return objects;
    }

    /**
     * The objects of {@code scope} on one server, read in the caller's transaction (for check and diff).
     *
     * @param role {@code source} or {@code target}, for messages
     */
    public static ObjectSet read(Connection c, ObjectScope scope, String role) {
        return ObjectReader.read(c, scope, role);
    }

    @Override
    public void beforeTypes(Connection target) {
        List<String> missing = missingRoles(source, objects, target, options);
        if (!missing.isEmpty()) {
            if (!options.createRoles()) {
                throw FerryException.usage(missingRolesSentence(missing));
            }
            try {
                Roles.create(source, target, missing, log);
            } catch (SQLException e) {
                throw ServerErrors.during("creating roles " + String.join(", ", missing), "target", e);
            }
        }
        writer(target).create(objects, Stage.BEFORE_TYPES);
    }

    @Override
    public void beforeTables(Connection target, boolean createdSince) {
        ObjectWriter w = writer(target);
        // The snapshot's types and sequences are not this writer's: read again if it created any since the last step.
        Map<String, SchemaObject> have = createdSince ? w.refresh() : w.have();
        // Types no migrated table uses (a function's argument) were not created with the tables' types.
        List<SchemaObject> missing = objects.objects().stream().filter(o -> (o.kind() == Kind.TYPE
                || o.kind() == Kind.DOMAIN) && !have.containsKey(o.key())).toList();
        if (!missing.isEmpty()) {
            for (TypeInfo t : new CatalogReader(source, scope.stateSchema()).types(missing.stream()
                    .map(SchemaObject::oid).toList())) {
                w.exec(DdlWriter.createType(t), "creating type " + t.schema() + "." + t.name());
            }
            missing.forEach(w::created);
        }
        w.create(objects, Stage.BEFORE_TABLES);
    }

    @Override
    public void afterTables(Connection target) {
        // No read: since beforeTables only the tables were created, and no object of this stage is a table.
        int n = writer(target).create(objects, Stage.AFTER_TABLES);
        if (n > 0) {
            log.accept("created " + n + " view(s) and function(s) that use the tables");
        }
    }

    /**
     * After the copy and the index build: fills the materialized views, creates triggers, rules, policies and the
     * tables' row-level security, then sets owners, privileges, comments and default privileges. Reads the source's
     * objects again (a resumed run has no snapshot any more); safe to run again.
     */
    public static void afterCopy(ConnectionSpec source, ConnectionSpec target, ObjectScope scope, ObjectOptions options,
                                 Consumer<String> log) {
        try (Connection s = Db.open(source, "source", "objects"); Connection t = Db.open(target, "target", "objects")) {
            afterCopy(s, t, scope, options, log);
        } catch (SQLException e) {
            throw ServerErrors.during("closing a connection", "target", e);
        }
    }

    /** The same, on connections the caller holds (the source's read in its own transaction, or autocommit). */
    public static void afterCopy(Connection source, Connection target, ObjectScope scope, ObjectOptions options,
                                 Consumer<String> log) {
        ObjectSet objects = options.choices().apply(ObjectReader.read(source, scope, "source"));
        complete(new ObjectWriter(target, scope.onTarget(), options, log), objects, log);
    }

    /**
     * The same for the run that read the objects under its snapshot ({@link #read}): the objects of the
     * consistent point, not read again. On the connection the schema steps ran on, what the target has is known
     * already: since those steps, only the copy, the keys, indexes and foreign keys were made, none of them an
     * object created here.
     */
    public void afterCopy(Connection target) {
        ObjectWriter w = writer != null && writer.connection() == target ? writer
                : new ObjectWriter(target, scope.onTarget(), options, log);
        complete(w, objects, log);
    }

    private static void complete(ObjectWriter w, ObjectSet objects, Consumer<String> log) {
        int views = w.refreshMaterializedViews(objects);
        int created = w.create(objects, Stage.AFTER_COPY);
        w.finish(objects);
        log.accept("objects around the tables: " + summary(objects) + "; " + views + " materialized view(s) refreshed, "
                + created + " created after the copy; owners, privileges and comments set");
    }

    /**
     * {@code ferry switch}, once the stream stopped applying: triggers and rules that are ENABLE ALWAYS or ENABLE
     * REPLICA on the source get that state (until then they were ENABLE, so replicated rows did not fire them).
     */
    public static int enableAsOnSource(ConnectionSpec source, ConnectionSpec target, ObjectScope scope) {
        List<String> states;
        try (Connection s = Db.open(source, "source", "objects")) {
            states = ObjectWriter.states(ObjectReader.read(s, scope, "source"));
        } catch (SQLException e) {
            throw ServerErrors.during("closing a connection", "source", e);
        }
        applyStates(target, states);
        return states.size();
    }

    /**
     * {@code ferry switch}, before it holds any write: fills the materialized views with the rows of now, names every
     * object that differs between the servers (DDL made on the source during the run), and returns the statements
     * that give triggers and rules their source state once the stream stopped applying ({@link #applyStates}).
     */
    public static List<String> beforeSwitch(ConnectionSpec source, ConnectionSpec target, ObjectScope scope,
                                            ObjectOptions options, Consumer<String> log) {
        try (Connection s = Db.open(source, "source", "objects"); Connection t = Db.open(target, "target", "objects")) {
            ObjectSet objects = options.choices().apply(ObjectReader.read(s, scope, "source"));
            int views = new ObjectWriter(t, scope.onTarget(), ObjectOptions.DEFAULT, log).refreshMaterializedViews(objects);
            if (views > 0) {
                log.accept("Refreshed " + views + " materialized view(s) on the target.");
            }
            for (Difference d : diff(s, t, scope, options, true)) {
                log.accept("differs: " + d.describe() + " (ferry diff shows it; create or change it on the target)");
            }
            return ObjectWriter.states(objects);
        } catch (SQLException e) {
            throw ServerErrors.during("closing a connection", "target", e);
        }
    }

    /** Runs what {@link #beforeSwitch} returned; a few catalog updates on the target, quick. */
    public static void applyStates(ConnectionSpec target, List<String> statements) {
        if (statements.isEmpty()) {
            return;
        }
        try (Connection t = Db.open(target, "target", "objects")) {
            ObjectWriter w = new ObjectWriter(t, null, ObjectOptions.DEFAULT, m -> { });
            for (String sql : statements) {
                w.exec(sql, "setting a trigger's state (" + sql + ")");
            }
        } catch (SQLException e) {
            throw ServerErrors.during("closing a connection", "target", e);
        }
    }

    /** {@code 2 functions, 1 view, 1 trigger}: what was carried, by kind. */
    static String summary(ObjectSet objects) {
        Map<Kind, Integer> counts = new java.util.EnumMap<>(Kind.class);
        for (SchemaObject o : objects.objects()) {
            if (!o.create().isEmpty() && o.kind() != Kind.TABLE) {
                counts.merge(o.kind(), 1, Integer::sum);
            }
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((k, n) -> {
            String l = k.label();
            parts.add(n + " " + (n == 1 || l.endsWith("privileges") ? l : l.endsWith("y")
                    ? l.substring(0, l.length() - 1) + "ies" : l.endsWith("x") ? l + "es" : l + "s"));
        });
        return parts.isEmpty() ? "none carried" : String.join(", ", parts);
    }

    private ObjectWriter writer(Connection target) {
        if (writer == null || writer.connection() != target) {
            writer = new ObjectWriter(target, scope.onTarget(), options, log);
        }
        return writer;
    }

    /**
     * Compares the objects on both servers ({@link ObjectDiff}); a view whose query prints differently is first
     * printed by the target itself ({@link ViewText}), so only a real difference remains.
     */
    public static List<Difference> diff(Connection source, Connection target, ObjectScope scope, ObjectOptions options,
                                        boolean beforeSwitch) {
        ObjectSet s = options.choices().apply(ObjectReader.read(source, scope, "source"));
        ObjectSet t = ObjectReader.read(target, scope.onTarget(), "target");
        Map<String, SchemaObject> have = t.byKey();
        List<SchemaObject> rendered = new ArrayList<>();
        for (SchemaObject o : s.objects()) {
            SchemaObject h = have.get(o.key());
            if ((o.kind() == Kind.VIEW || o.kind() == Kind.MATERIALIZED_VIEW) && h != null && o.definition() != null
                    && !o.definition().equals(h.definition())) {
                String text = ViewText.render(target, o.definition());
                if (text != null) {
                    o = new SchemaObject(o.kind(), o.identity(), o.parent(), o.name(), text, o.create(), o.owner(),
                            o.acl(), o.defaultAcl(), o.comment(), o.stage(), o.classId(), o.oid(), o.state(),
                            o.securityDefiner());
                }
            }
            rendered.add(o);
        }
        return ObjectDiff.compare(new ObjectSet(rendered, s.skipped(), s.leftOut(), s.notCarried()), t, options,
                beforeSwitch);
    }

    /**
     * The roles the objects and the large objects need that the target lacks (owners unless --no-owner, grantees
     * unless --no-privileges).
     */
    public static List<String> missingRoles(Connection source, ObjectSet objects, Connection target,
                                            ObjectOptions options) {
        try {
            java.util.Set<String> wanted = new java.util.LinkedHashSet<>(objects.roles(!options.noOwner(),
                    !options.noPrivileges()));
            wanted.addAll(LargeObjects.roles(source, options));
            return Roles.missing(target, new ArrayList<>(wanted));
        } catch (SQLException e) {
            throw ServerErrors.during("looking up roles", "target", e);
        }
    }

    /** One sentence naming the missing roles and the fixes. */
    public static String missingRolesSentence(List<String> missing) {
        return "role" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing) + (missing.size() == 1
                ? " owns or is granted" : " own or are granted") + " objects on the source but "
                + (missing.size() == 1 ? "does" : "do") + " not exist on the target (roles belong to the server); create "
                + (missing.size() == 1 ? "it" : "them") + " there, or pass --create-roles to let Ferry create "
                + (missing.size() == 1 ? "it" : "them") + " without passwords, or --no-owner and --no-privileges";
    }
}
