package dev.ferry.core.objects;

import dev.ferry.core.diff.Difference;
import dev.ferry.core.diff.Difference.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares the objects around the tables on both servers: missing, unexpected, and changed in definition, enabled
 * state, owner, privileges or comment. Pure: both sides are read by the caller with the same scope.
 */
public final class ObjectDiff {
    private ObjectDiff() {}

    /**
     * @param beforeSwitch true while the run streams: a trigger that is ENABLE ALWAYS or REPLICA on the source is
     *                     expected to be ENABLE on the target until the switch
     */
    public static List<Difference> compare(ObjectSet source, ObjectSet target, ObjectOptions options,
                                           boolean beforeSwitch) {
        List<Difference> out = new ArrayList<>();
        Map<String, SchemaObject> have = target.byKey();
        Map<String, SchemaObject> want = source.byKey();
        for (SchemaObject s : want.values()) {
            SchemaObject t = have.get(s.key());
            if (t == null) {
                boolean part = s.kind() == SchemaObject.Kind.COLUMN || s.kind() == SchemaObject.Kind.INDEX
                        || s.kind() == SchemaObject.Kind.CONSTRAINT;
                out.add(new Difference(Kind.MISSING_OBJECT, part ? "the comment or privileges of " + s.title()
                        : s.title(), s.definition(), null));
                continue;
            }
            if (s.definition() != null && t.definition() != null && !normal(s.definition()).equals(normal(t.definition()))) {
                out.add(new Difference(Kind.CHANGED_OBJECT, s.title(), "definition " + s.definition(),
                        "definition " + t.definition()));
            }
            if (s.state() != null && !s.state().equals(t.state())
                    && !(beforeSwitch && "O".equals(t.state()) && ("A".equals(s.state()) || "R".equals(s.state())))) {
                out.add(new Difference(Kind.CHANGED_OBJECT, s.title(), "state " + state(s.state()),
                        "state " + state(t.state())));
            }
            if (!options.noOwner() && s.owner() != null && !s.owner().equals(t.owner())) {
                out.add(new Difference(Kind.CHANGED_OBJECT, s.title(), "owner " + s.owner(), "owner " + t.owner()));
            }
            if (!options.noPrivileges() && s.acl() != null && !(s.defaultAcl() && t.defaultAcl())) {
                List<String> a = privileges(s, options);
                List<String> b = privileges(t, options);
                if (!a.equals(b)) {
                    out.add(new Difference(Kind.CHANGED_OBJECT, s.title(), "privileges " + String.join(", ", a),
                            "privileges " + String.join(", ", b)));
                }
            }
            if (!Objects.equals(s.comment(), t.comment())) {
                out.add(new Difference(Kind.CHANGED_OBJECT, s.title(), "comment " + quoted(s.comment()),
                        "comment " + quoted(t.comment())));
            }
        }
        for (SchemaObject t : have.values()) {
            // What the source has but Ferry does not carry (named already) may exist on the target: made by hand.
            if (!want.containsKey(t.key()) && !source.skipped().containsKey(t.title())) {
                out.add(new Difference(Kind.UNEXPECTED_OBJECT, t.title(), null, t.definition()));
            }
        }
        return out;
    }

    /** The items compared: without the owner's own under --no-owner (the target's owner is another role then). */
    private static List<String> privileges(SchemaObject o, ObjectOptions options) {
        if (o.acl() == null) {
            return List.of();
        }
        return o.acl().stream().filter(i -> !options.noOwner() || o.owner() == null || !i.startsWith(o.owner() + ":"))
                .toList();
    }

    /** Definitions compare without differences of layout. */
    private static String normal(String sql) {
        return sql.strip().replaceAll("\\s+", " ");
    }

    private static String quoted(String comment) {
        return comment == null ? "none" : "'" + comment + "'";
    }

    private static String state(String s) {
        return switch (s == null ? "" : s) {
            case "" -> "none";
            case "O" -> "ENABLE";
            case "D" -> "DISABLE";
            case "A" -> "ENABLE ALWAYS";
            case "R" -> "ENABLE REPLICA";
            default -> String.valueOf(s);
        };
    }
}
