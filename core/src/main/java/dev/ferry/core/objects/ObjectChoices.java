package dev.ferry.core.objects;

import dev.ferry.core.FerryException;
import dev.ferry.core.objects.SchemaObject.Stage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code ferry.yml} says about single objects ({@code objects:}): a new definition for one that names what a
 * transform changed ({@code replace:}), or none at all ({@code skip:}). Objects are named as Ferry names them in
 * {@code check} and {@code diff}: {@code view public.mails}, {@code function public.mail_of(bigint)}.
 *
 * @param replace each object's title with the SQL that creates it on the target instead of the source's definition
 * @param skip    titles of objects Ferry neither creates nor compares
 */
public record ObjectChoices(Map<String, String> replace, List<String> skip) {
    public static final ObjectChoices NONE = new ObjectChoices(Map.of(), List.of());

    public ObjectChoices {
        replace = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(replace == null ? Map.of() : replace));
        skip = List.copyOf(skip == null ? List.of() : skip);
        for (String s : skip) {
            if (replace.containsKey(s)) {
                throw FerryException.usage(s + " is both replaced and skipped under objects: in ferry.yml; keep one");
            }
        }
    }

    /** True when ferry.yml replaces and skips nothing. */
    public boolean none() {
        return replace.isEmpty() && skip.isEmpty();
    }

    /**
     * The source's objects with the choices applied. A replaced object keeps its owner, privileges and comment; it
     * is created after the other objects of its stage (a view or function that was not carried: after the tables),
     * in the order given, and its definition is not compared (the target prints its own). Naming an object the
     * source does not have is refused, so a typo does not pass silently.
     */
    public ObjectSet apply(ObjectSet source) {
        if (none()) {
            return source;
        }
        Map<String, SchemaObject> byTitle = new LinkedHashMap<>();
        source.objects().forEach(o -> byTitle.putIfAbsent(o.title(), o));
        source.notCarried().forEach(o -> byTitle.putIfAbsent(o.title(), o));
        List<String> unknown = new ArrayList<>();
        for (String t : replace.keySet()) {
            if (!byTitle.containsKey(t)) {
                unknown.add(t);
            }
        }
        for (String t : skip) {
            if (!byTitle.containsKey(t)) {
                unknown.add(t);
            }
        }
        if (!unknown.isEmpty()) {
            throw FerryException.usage("ferry.yml names " + String.join(", ", unknown) + " under objects:, which the "
                    + "source's migrated schemas do not have; write each as ferry check or ferry diff names it (kind, "
                    + "then the qualified name, a function with its argument types)");
        }
        List<SchemaObject> objects = new ArrayList<>();
        List<SchemaObject> notCarried = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>(source.skipped());
        for (SchemaObject o : source.objects()) {
            if (skip.contains(o.title())) {
                skipped.put(o.title(), "skipped in ferry.yml");
                notCarried.add(o);
            } else if (!replace.containsKey(o.title())) {
                objects.add(o);
            }
        }
        for (SchemaObject o : source.notCarried()) {
            if (skip.contains(o.title())) {
                skipped.put(o.title(), "skipped in ferry.yml");
            }
            if (!replace.containsKey(o.title())) {
                notCarried.add(o);
            }
        }
        // Appended after everything: the objects of each stage are created in list order.
        replace.forEach((title, sql) -> {
            SchemaObject o = byTitle.get(title);
            skipped.remove(title);
            Stage stage = o.stage().compareTo(Stage.AFTER_TABLES) < 0 && source.notCarried().contains(o)
                    ? Stage.AFTER_TABLES : o.stage() == Stage.EXISTING ? Stage.AFTER_COPY : o.stage();
            objects.add(new SchemaObject(o.kind(), o.identity(), o.parent(), o.name(), null, List.of(sql), o.owner(),
                    o.acl(), o.defaultAcl(), o.comment(), stage, o.classId(), o.oid(), o.state(), o.securityDefiner()));
        });
        return new ObjectSet(objects, skipped, source.leftOut(), notCarried);
    }
}
