package dev.ferry.core.objects.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.core.objects.SchemaObject;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import java.util.List;
import org.junit.jupiter.api.Test;

class AclTest {
    static SchemaObject function(List<String> acl, boolean isDefault) {
        return new SchemaObject(Kind.FUNCTION, "s.f(integer)", null, null, "x", List.of(), "app owner", acl, isDefault,
                null, Stage.BEFORE_TABLES, 1, 2, null, true);
    }

    @Test
    void privilegesAreRevokedThenGrantedPerGranteeAndGrantOption() {
        assertEquals(List.of("REVOKE ALL ON FUNCTION s.f(integer) FROM PUBLIC",
                        "REVOKE ALL ON FUNCTION s.f(integer) FROM \"app owner\"",
                        "GRANT EXECUTE ON FUNCTION s.f(integer) TO \"app owner\"",
                        "GRANT EXECUTE ON FUNCTION s.f(integer) TO \"reader\" WITH GRANT OPTION"),
                Acl.grants(function(List.of("app owner:EXECUTE", "reader:EXECUTE*"), false), true));
    }

    @Test
    void aDefaultAclNeedsNoStatementAndNoOwnerLeavesTheOwnersItemsOut() {
        assertEquals(List.of(), Acl.grants(function(List.of("PUBLIC:EXECUTE", "app owner:EXECUTE"), true), true));
        assertEquals(List.of("REVOKE ALL ON FUNCTION s.f(integer) FROM PUBLIC", "GRANT EXECUTE ON FUNCTION s.f(integer) TO PUBLIC"),
                Acl.grants(function(List.of("PUBLIC:EXECUTE", "app owner:EXECUTE"), false), false));
    }

    @Test
    void columnPrivilegesNameTheirColumn() {
        SchemaObject column = new SchemaObject(Kind.COLUMN, "\"s\".\"t\".\"Balance\"", "\"s\".\"t\"", "Balance", null,
                List.of(), null, List.of("w:UPDATE", "w:SELECT"), false, null, Stage.EXISTING, 1, 2, null, false);
        assertEquals(List.of("GRANT UPDATE (\"Balance\"), SELECT (\"Balance\") ON TABLE \"s\".\"t\" TO \"w\""),
                Acl.columnGrants(column, column.parent()));
        assertEquals(List.of("w"), Acl.roles(column.acl()));
    }
}
