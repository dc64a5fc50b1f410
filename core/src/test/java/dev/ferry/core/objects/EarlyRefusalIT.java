package dev.ferry.core.objects;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.objects.internal.Roles;
import dev.ferry.embedded.Fixtures;
import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import dev.ferry.transforms.TransformChain;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The early refusal's quick answer ({@link ObjectMigration#nothingToRefuse}) against the full read it spares: it may
 * say "read them" when nothing would be refused, never "nothing" when something would.
 */
class EarlyRefusalIT {
    private static final ObjectOptions OWNERS = new ObjectOptions(false, false, false);
    private static final ObjectOptions NO_OWNER = new ObjectOptions(false, true, false);
    private static final ObjectOptions CREATE_ROLES = new ObjectOptions(true, false, false);

    @Test
    void everyRoleTheObjectsNameIsOneTheQuickAnswerChecks() throws Exception {
        try (PgServer s = Servers.source(false)) {
            s.execute("CREATE DATABASE objs");
            Fixtures.load(s, "objs", "objects.sql");
            // A role only a large object names, and one only a grant names.
            s.execute("objs", "CREATE ROLE lo_owner NOLOGIN; CREATE ROLE col_reader NOLOGIN; "
                    + "SELECT lo_create(4242); ALTER LARGE OBJECT 4242 OWNER TO lo_owner; "
                    + "GRANT SELECT (id) ON objs.accounts TO col_reader");
            try (Connection c = Db.open(ConnectionSpec.parse(s.uri("objs")), "source", "test")) {
                ObjectScope scope = ObjectScope.of(new CatalogReader(c, "ferry").read(List.of()),
                        TransformChain.identity(), "ferry", "ferry_pub");
                Set<String> named = ObjectMigration.read(c, scope, "source").roles(true, true);
                List<String> checked = Roles.namedInDatabase(c);
                assertTrue(checked.containsAll(named), "the objects name " + named + "; checked: " + checked);
                assertTrue(checked.containsAll(LargeObjects.roles(c, OWNERS)), checked.toString());
                assertTrue(checked.containsAll(List.of("app_owner", "app_reader", "app_writer", "lo_owner",
                        "col_reader")), checked.toString());
            }
        }
    }

    @Test
    void aTargetWithoutTheRolesOrAnySecurityDefinerUnderNoOwnerMeansTheObjectsAreRead() throws Exception {
        try (PgServer source = Servers.source(false); PgServer target = Servers.target()) {
            source.execute("CREATE DATABASE objs");
            source.execute("objs", "CREATE ROLE app_owner NOLOGIN; CREATE TABLE t (id int PRIMARY KEY); "
                    + "ALTER TABLE t OWNER TO app_owner");
            target.execute("CREATE DATABASE objs");
            try (Connection s = Db.open(ConnectionSpec.parse(source.uri("objs")), "source", "test");
                 Connection t = Db.open(ConnectionSpec.parse(target.uri("objs")), "target", "test")) {
                assertFalse(ObjectMigration.nothingToRefuse(s, t, OWNERS), "app_owner is missing on the target");
                assertTrue(ObjectMigration.nothingToRefuse(s, t, CREATE_ROLES), "--create-roles creates it");
                target.execute("CREATE ROLE app_owner NOLOGIN");
                assertTrue(ObjectMigration.nothingToRefuse(s, t, OWNERS), "the target has every role now");
                assertTrue(ObjectMigration.nothingToRefuse(s, t, NO_OWNER));
                ObjectOptions named = new ObjectOptions(false, false, false,
                        new ObjectChoices(Map.of(), List.of("view public.no_such_view")));
                assertFalse(ObjectMigration.nothingToRefuse(s, t, named), "only the read shows a name it lacks");
                source.execute("objs", "CREATE FUNCTION f() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'");
                assertFalse(ObjectMigration.nothingToRefuse(s, t, NO_OWNER), "a SECURITY DEFINER under --no-owner");
                assertTrue(ObjectMigration.nothingToRefuse(s, t, OWNERS), "refused only under --no-owner");
            }
        }
    }
}
