package dev.ferry.core.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.diff.Difference;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectDiffTest {
    static SchemaObject view(String def, String owner, List<String> acl, boolean defaultAcl, String comment) {
        return new SchemaObject(Kind.VIEW, "s.v", null, null, def, List.of("CREATE VIEW s.v AS " + def), owner, acl,
                defaultAcl, comment, Stage.AFTER_TABLES, 1, 2, "", false);
    }

    static SchemaObject trigger(String state) {
        return new SchemaObject(Kind.TRIGGER, "t ON s.x", "s.x", "t", "CREATE TRIGGER t", List.of(), null, null, true,
                null, Stage.AFTER_COPY, 3, 4, state, false);
    }

    static ObjectSet set(SchemaObject... o) {
        return new ObjectSet(List.of(o), Map.of(), List.of());
    }

    @Test
    void equalObjectsDoNotDifferEvenWhenLaidOutDifferently() {
        assertEquals(List.of(), ObjectDiff.compare(set(view("SELECT 1", "a", List.of("a:SELECT"), false, "c")),
                set(view("  SELECT\n 1", "a", List.of("a:SELECT"), false, "c")), ObjectOptions.DEFAULT, false));
    }

    @Test
    void defaultPrivilegesOfTwoVersionsAreTheSameDefault() {
        // PostgreSQL 17 added MAINTAIN to a table owner's default privileges.
        assertEquals(List.of(), ObjectDiff.compare(set(view("SELECT 1", "a", List.of("a:SELECT"), true, null)),
                set(view("SELECT 1", "a", List.of("a:MAINTAIN", "a:SELECT"), true, null)), ObjectOptions.DEFAULT, false));
    }

    @Test
    void eachChangedAspectIsOneDifferenceAndMissingAndUnexpectedObjectsAreNamed() {
        List<Difference> d = ObjectDiff.compare(set(view("SELECT 1", "a", List.of("b:SELECT"), false, "c"), trigger("O")),
                set(view("SELECT 2", "x", List.of(), false, null), new SchemaObject(Kind.FUNCTION, "s.f()", null, null,
                        "f", List.of(), "a", null, true, null, Stage.BEFORE_TABLES, 5, 6, null, false)),
                ObjectOptions.DEFAULT, false);
        List<String> text = d.stream().map(Difference::describe).toList();
        assertEquals(List.of("the definition of view s.v differs on the target",
                "view s.v has owner x on the target, expected owner a",
                "view s.v has privileges  on the target, expected privileges b:SELECT",
                "view s.v has comment none on the target, expected comment 'c'",
                "trigger t ON s.x is missing on the target",
                "function s.f() exists only on the target"), text);
    }

    @Test
    void anAlwaysTriggerIsPlainEnableOnTheTargetUntilTheSwitch() {
        assertEquals(List.of(), ObjectDiff.compare(set(trigger("A")), set(trigger("O")), ObjectOptions.DEFAULT, true));
        List<Difference> after = ObjectDiff.compare(set(trigger("A")), set(trigger("O")), ObjectOptions.DEFAULT, false);
        assertEquals(1, after.size());
        assertTrue(after.get(0).describe().contains("state ENABLE ALWAYS"), after.get(0).describe());
    }

    @Test
    void underNoOwnerOwnersAndTheOwnersOwnPrivilegesAreNotCompared() {
        assertEquals(List.of(), ObjectDiff.compare(set(view("SELECT 1", "a", List.of("a:SELECT", "b:SELECT"), false, null)),
                set(view("SELECT 1", "ferry", List.of("b:SELECT", "ferry:SELECT"), false, null)),
                new ObjectOptions(false, true, false), false));
    }
}
