package dev.ferry.core.objects.internal;

import dev.ferry.core.ServerErrors;
import dev.ferry.core.objects.ObjectOptions;
import dev.ferry.core.objects.ObjectScope;
import dev.ferry.core.objects.ObjectSet;
import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Creates a source's objects on the target, stage by stage, each only when the target lacks it (so a resumed run
 * simply runs a stage again), with {@code check_function_bodies = off} as pg_restore does: a function body is
 * checked when it first runs, by which time what it names exists.
 */
public final class ObjectWriter {
    private final Connection target;
    private final ObjectScope targetScope;
    private final ObjectOptions options;
    private final Consumer<String> log;
    /**
     * What the target has of the scope's objects: read once ({@link #refresh}), then kept up to date with what this
     * writer creates, so the stages of one step do not read the whole catalog again each.
     */
    private Map<String, SchemaObject> have;

    public ObjectWriter(Connection target, ObjectScope targetScope, ObjectOptions options, Consumer<String> log) {
        this.target = target;
        this.targetScope = targetScope;
        this.options = options;
        this.log = log;
        exec("SET check_function_bodies = off", "preparing the target session");
    }

    /**
     * Reads what the target has again. Needed after anyone but this writer created objects of the scope on the
     * target (the snapshot's types and sequences, a previous step's connection); never while only this writer did.
     */
    public Map<String, SchemaObject> refresh() {
        have = new java.util.LinkedHashMap<>(ObjectReader.read(target, targetScope, "target").byKey());
        return have;
    }

    /**
     * Starts from {@code has}, read on this writer's connection by someone else ({@link
     * dev.ferry.core.objects.ObjectMigration#readTarget}), instead of reading the target at the first step.
     */
    public void seed(ObjectSet has) {
        have = new java.util.LinkedHashMap<>(has.byKey());
    }

    /** Records that {@code o} now exists on the target, created by someone using this writer's connection. */
    public void created(SchemaObject o) {
        have().putIfAbsent(o.key(), o);
    }

    /** The target connection this writer creates on. */
    public Connection connection() {
        return target;
    }

    /** What the target has, as this writer last read it plus what it created since (read at the first call). */
    public Map<String, SchemaObject> have() {
        return have == null ? refresh() : have;
    }

    /** Creates the objects of {@code stage} the target does not have yet; returns how many. */
    public int create(ObjectSet source, Stage stage) {
        Map<String, SchemaObject> have = have();
        int n = 0;
        for (SchemaObject o : source.at(stage)) {
            if (o.create().isEmpty() || have.containsKey(o.key()) && o.kind() != Kind.TABLE
                    && o.kind() != Kind.DEFAULT_PRIVILEGES) {
                continue;
            }
            if (o.kind() == Kind.DEFAULT_PRIVILEGES && options.noPrivileges()) {
                continue;
            }
            if (o.kind() == Kind.EXTENSION && !available(o)) {
                continue;
            }
            for (String sql : o.create()) {
                exec(sql, "creating " + o.title());
            }
            have.putIfAbsent(o.key(), o);
            if (o.kind() == Kind.TRIGGER && ("A".equals(o.state()) || "R".equals(o.state()))) {
                log.accept(o.title() + " is ENABLE " + ("A".equals(o.state()) ? "ALWAYS" : "REPLICA") + " on the source; "
                        + "it stays ENABLE on the target until the switch, so replicated rows do not fire it");
            }
            n++;
        }
        return n;
    }

    /** Fills every materialized view (dependencies first); returns how many. */
    public int refreshMaterializedViews(ObjectSet source) {
        int n = 0;
        for (SchemaObject o : source.of(Kind.MATERIALIZED_VIEW)) {
            exec("REFRESH MATERIALIZED VIEW " + o.identity(), "refreshing " + o.title());
            n++;
        }
        return n;
    }

    /** Owners, then privileges, then comments, of everything the target has of the source's objects. */
    public void finish(ObjectSet source) {
        // Read again: the owners of what this writer created are the target's to say.
        Map<String, SchemaObject> have = refresh();
        List<SchemaObject> present = source.objects().stream().filter(o -> present(o, have)).toList();
        if (!options.noOwner()) {
            for (SchemaObject o : present) {
                if (o.owner() != null && o.kind().keyword() != null && !Relations.OWNED.equals(o.state())
                        && have.containsKey(o.key()) && !o.owner().equals(have.get(o.key()).owner())) {
                    exec("ALTER " + o.ref() + " OWNER TO " + Identifiers.quote(o.owner()), "giving " + o.title()
                            + " its owner " + o.owner());
                }
            }
        }
        if (!options.noPrivileges()) {
            for (SchemaObject o : present) {
                List<String> grants = o.kind() == Kind.COLUMN ? Acl.columnGrants(o, o.parent())
                        : Acl.grants(o, !options.noOwner());
                for (String sql : grants) {
                    exec(sql, "granting the privileges of " + o.title());
                }
            }
        }
        for (SchemaObject o : present) {
            if (o.comment() != null && o.kind().keyword() != null) {
                exec("COMMENT ON " + o.ref() + " IS " + Identifiers.literal(o.comment()), "commenting " + o.title());
            }
        }
    }

    /**
     * Whether the target has the object. A column, index or constraint of ours carries only a comment or
     * privileges, which the target may not have yet: it is there when its table or view is.
     */
    private boolean present(SchemaObject o, Map<String, SchemaObject> have) {
        if (have.containsKey(o.key())) {
            return true;
        }
        if (o.parent() == null || o.kind() != Kind.COLUMN && o.kind() != Kind.INDEX && o.kind() != Kind.CONSTRAINT) {
            return false;
        }
        if (o.kind() == Kind.INDEX) {
            // A unique index of a resynced table is built beside the stream, later: its comment waits for a rerun.
            try {
                return Query.rows(target, "SELECT to_regclass(?) IS NOT NULL", rs -> rs.getBoolean(1), o.identity()).get(0);
            } catch (SQLException e) {
                throw ServerErrors.during("looking for index " + o.identity(), "target", e);
            }
        }
        return have.containsKey(Kind.TABLE.name() + " " + o.parent()) || have.containsKey(Kind.VIEW.name() + " " + o.parent())
                || have.containsKey(Kind.MATERIALIZED_VIEW.name() + " " + o.parent());
    }

    /** The statements that give triggers and rules the ENABLE ALWAYS / ENABLE REPLICA state they have on the source. */
    public static List<String> states(ObjectSet source) {
        List<String> out = new java.util.ArrayList<>();
        for (SchemaObject o : source.objects()) {
            if ((o.kind() == Kind.TRIGGER || o.kind() == Kind.RULE) && ("A".equals(o.state()) || "R".equals(o.state()))) {
                out.add("ALTER TABLE " + o.parent() + " ENABLE " + ("A".equals(o.state()) ? "ALWAYS " : "REPLICA ")
                        + o.kind().keyword() + " " + Identifiers.quote(o.name()));
            }
        }
        return out;
    }

    private boolean available(SchemaObject extension) {
        try {
            boolean ok = !Query.rows(target, "SELECT 1 FROM pg_available_extensions WHERE quote_ident(name) = ?",
                    rs -> 1, extension.identity()).isEmpty();
            if (!ok) {
                log.accept("extension " + extension.identity() + " is not available on the target server, so it was not "
                        + "created: install its package there (ferry check names it)");
            }
            return ok;
        } catch (SQLException e) {
            throw ServerErrors.during("looking for extension " + extension.identity(), "target", e);
        }
    }

    /** Runs one statement on the target; a refusal is one sentence naming {@code what}. */
    public void exec(String sql, String what) {
        try (Statement st = target.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw ServerErrors.during(what, "target", e);
        }
    }
}
