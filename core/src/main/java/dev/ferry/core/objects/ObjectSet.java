package dev.ferry.core.objects;

import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import dev.ferry.core.objects.internal.Acl;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The objects around the migrated tables on one server, in creation order (dependencies first, by stage).
 *
 * @param objects  everything carried, in the order it is created
 * @param skipped  objects of the migrated schemas that are not carried, each title with the reason
 * @param leftOut  what Ferry never carries and names instead: event triggers, publications, subscriptions
 * @param notCarried the objects named in {@code skipped}, as read (for {@link ObjectChoices#apply})
 */
public record ObjectSet(List<SchemaObject> objects, Map<String, String> skipped, List<String> leftOut,
                        List<SchemaObject> notCarried) {

    public ObjectSet {
        objects = List.copyOf(objects);
        skipped = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
        leftOut = List.copyOf(leftOut);
        notCarried = List.copyOf(notCarried);
    }

    public ObjectSet(List<SchemaObject> objects, Map<String, String> skipped, List<String> leftOut) {
        this(objects, skipped, leftOut, List.of());
    }

    /** By {@link SchemaObject#key()}. */
    public Map<String, SchemaObject> byKey() {
        Map<String, SchemaObject> out = new LinkedHashMap<>();
        objects.forEach(o -> out.putIfAbsent(o.key(), o));
        return out;
    }

    public List<SchemaObject> at(Stage stage) {
        return objects.stream().filter(o -> o.stage() == stage).toList();
    }

    public List<SchemaObject> of(Kind kind) {
        return objects.stream().filter(o -> o.kind() == kind).toList();
    }

    /**
     * The roles the objects need on the target: owners, grantees and the roles policies apply to.
     *
     * @param owners      false under --no-owner
     * @param privileges  false under --no-privileges
     */
    public Set<String> roles(boolean owners, boolean privileges) {
        Set<String> out = new LinkedHashSet<>();
        for (SchemaObject o : objects) {
            if (o.owner() != null && (owners || o.kind() == Kind.DEFAULT_PRIVILEGES && privileges)) {
                out.add(o.owner());
            }
            if (privileges || o.kind() == Kind.POLICY) {
                out.addAll(Acl.roles(o.acl()));
            }
        }
        out.remove("pg_database_owner");
        return out;
    }
}
