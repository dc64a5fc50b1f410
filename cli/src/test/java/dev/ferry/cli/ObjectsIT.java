package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.Fixtures;
import dev.ferry.embedded.PgServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The objects around the tables (fixtures/objects.sql: one of each kind, with owners, grants and comments), moved
 * from PostgreSQL 15 to 17 while the application writes, then switched. Roles are the cluster's, so the order
 * matters: the check runs while the target still lacks the fixture's roles, the migration creates them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObjectsIT extends WithServers {

    /** Every object of schema objs as the catalog describes it, independent of Ferry's own reader. */
    static final String CATALOG = """
            SELECT 'relation ' || c.relkind::text || ' ' || c.relname, pg_get_userbyid(c.relowner), c.relacl::text,
              obj_description(c.oid, 'pg_class'), CASE WHEN c.relkind = 'i' THEN pg_get_indexdef(c.oid) END,
              c.relrowsecurity::text || c.relforcerowsecurity::text || coalesce(array_to_string(c.reloptions, ','), '')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'objs' AND c.relkind IN ('r', 'v', 'm', 'S', 'i')
            UNION ALL SELECT 'routine ' || p.oid::regprocedure::text, pg_get_userbyid(p.proowner), p.proacl::text,
              obj_description(p.oid, 'pg_proc'), CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END,
              p.prosecdef::text || p.prokind::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'objs'
            UNION ALL SELECT 'aggregate ' || a.aggfnoid::regprocedure::text, a.aggtransfn::regproc::text, a.agginitval,
              format_type(a.aggtranstype, NULL), NULL, NULL FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
              JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'objs'
            UNION ALL SELECT 'trigger ' || t.tgname || ' on ' || t.tgrelid::regclass::text, t.tgenabled::text, NULL,
              obj_description(t.oid, 'pg_trigger'), pg_get_triggerdef(t.oid), NULL FROM pg_trigger t
              JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'objs' AND NOT t.tgisinternal AND t.tgname NOT LIKE 'ferry\\_%' -- the switch's write protection
            UNION ALL SELECT 'rule ' || r.rulename, r.ev_enabled::text, NULL, obj_description(r.oid, 'pg_rewrite'),
              pg_get_ruledef(r.oid), NULL FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
              JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'objs' AND r.rulename <> '_RETURN'
            UNION ALL SELECT 'policy ' || p.polname, p.polcmd::text || p.polpermissive::text,
              (SELECT string_agg(pg_get_userbyid(x), ',' ORDER BY 1) FROM unnest(p.polroles) x),
              obj_description(p.oid, 'pg_policy'), pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
            FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'objs'
            UNION ALL SELECT 'column ' || c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod),
              a.attacl::text, col_description(c.oid, a.attnum), NULL, NULL FROM pg_attribute a
              JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'objs' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'm')
            UNION ALL SELECT 'type ' || t.typname, pg_get_userbyid(t.typowner), t.typacl::text,
              obj_description(t.oid, 'pg_type'), NULL, NULL FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = 'objs' AND t.typtype IN ('e', 'd')
            UNION ALL SELECT 'constraint ' || k.conname, NULL, NULL, obj_description(k.oid, 'pg_constraint'),
              pg_get_constraintdef(k.oid), NULL FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
            WHERE n.nspname = 'objs'
            UNION ALL SELECT 'operator ' || o.oid::regoperator::text, pg_get_userbyid(o.oprowner), o.oprcode::regproc::text,
              obj_description(o.oid, 'pg_operator'), o.oprcom::regoper::text, NULL FROM pg_operator o
              JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE n.nspname = 'objs'
            UNION ALL SELECT 'cast ' || format_type(c.castsource, NULL) || ' as ' || format_type(c.casttarget, NULL),
              c.castcontext::text, c.castmethod::text, obj_description(c.oid, 'pg_cast'), c.castfunc::regprocedure::text,
              NULL FROM pg_cast c WHERE c.oid >= 16384
            UNION ALL SELECT 'collation ' || c.collname, pg_get_userbyid(c.collowner), c.collcollate,
              obj_description(c.oid, 'pg_collation'), c.collctype, NULL FROM pg_collation c
              JOIN pg_namespace n ON n.oid = c.collnamespace WHERE n.nspname = 'objs'
            UNION ALL SELECT 'schema ' || n.nspname, pg_get_userbyid(n.nspowner), n.nspacl::text,
              obj_description(n.oid, 'pg_namespace'), NULL, NULL FROM pg_namespace n WHERE n.nspname = 'objs'
            UNION ALL SELECT 'default acl ' || pg_get_userbyid(d.defaclrole) || ' ' || coalesce(n.nspname, '-') || ' '
              || d.defaclobjtype::text, NULL, d.defaclacl::text, NULL, NULL, NULL FROM pg_default_acl d
              LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
            UNION ALL SELECT 'extension ' || e.extname, NULL, NULL, obj_description(e.oid, 'pg_extension'), NULL, NULL
            FROM pg_extension e
            UNION ALL SELECT 'sequence ' || s.seqrelid::regclass::text, format_type(s.seqtypid, NULL), s.seqstart::text,
              s.seqincrement::text, s.seqmax::text, s.seqcycle::text FROM pg_sequence s
              JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'objs'
            UNION ALL SELECT 'statistics ' || s.stxname, pg_get_userbyid(s.stxowner), NULL,
              obj_description(s.oid, 'pg_statistic_ext'), pg_get_statisticsobjdef(s.oid), NULL FROM pg_statistic_ext s
              JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE n.nspname = 'objs'
            ORDER BY 1, 2, 3, 4, 5""";

    /** What the application asks: through the views, the functions, the aggregate, the operator and the cast. */
    static final List<String> QUERIES = List.of(
            "SELECT id, email, balance, rank FROM objs.happy_accounts ORDER BY id",
            "SELECT n, total FROM objs.happy_total",
            "SELECT mood, rank, n, total FROM objs.mood_totals ORDER BY mood",
            "SELECT objs.product(x) FROM (VALUES (2.5), (3), (4)) v(x)",
            "SELECT objs.normalize_email('  Someone@Example.COM ')",
            "SELECT 'A@b.c' OPERATOR(objs.=~=) 'a@B.C'",
            "SELECT 'happy'::objs.mood::integer",
            "SELECT objs.secret_count()",
            "SELECT objs.apply_percent(80, 25)",
            "SELECT count(*), sum(version), max(updated_at)::text, sum(balance_cents) FROM objs.accounts",
            "SELECT count(*) FROM objs.audit_log");

    @Test
    @Order(1)
    void checkNamesTheMissingRolesTheExtensionTheAlwaysTriggerAndWhatIsLeftOut() throws Exception {
        String db = "objcheck";
        databases(db, null);
        Fixtures.load(pair.source(), db, "objects.sql");
        pair.source().execute(db, "CREATE EXTENSION adminpack; CREATE PUBLICATION app_pub FOR TABLE objs.audit_log; "
                + "CREATE FUNCTION objs.ddl_note() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN NULL; END$$; "
                + "CREATE EVENT TRIGGER ddl_note ON ddl_command_end EXECUTE FUNCTION objs.ddl_note()");
        FerryRun check = FerryRun.run("check", "--source", pair.source().uri(db), "--target", pair.target().uri(db));
        String out = check.all();
        assertEquals(1, check.exit(), out);
        assertTrue(out.contains("roles app_owner, app_reader, app_writer own or are granted objects"), out);
        assertTrue(out.contains("--create-roles"), out);
        assertTrue(out.contains("extension adminpack is installed in the source database but the target server does not "
                + "have it"), out);
        assertTrue(out.contains("trigger \"accounts_audit\" ON \"objs\".\"accounts\" is ENABLE ALWAYS"), out);
        assertTrue(out.contains("function objs.mood_rank(objs.mood) is used by materialized view objs.mood_totals"), out);
        assertTrue(out.contains("event trigger ddl_note") && out.contains("publication app_pub"), out);
        assertFalse(out.contains("SECURITY DEFINER"), out);

        FerryRun noOwner = FerryRun.run("check", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                "--no-owner", "--no-privileges");
        assertTrue(noOwner.all().contains("function objs.secret_count() is SECURITY DEFINER"), noOwner.all());
        assertTrue(noOwner.all().contains("roles app_owner, app_reader, app_writer"), "the policies still name them: "
                + noOwner.all());

        // Refused before the slot exists: nothing to clean up on the source.
        FerryRun snapshot = FerryRun.run("snapshot", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                "--slot", "slot_objcheck", "--no-owner");
        assertEquals(2, snapshot.exit(), snapshot.all());
        assertTrue(snapshot.err().contains("function objs.secret_count() is SECURITY DEFINER"), snapshot.all());
        assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_objcheck'"));
    }

    @Test
    @Order(2)
    void everyObjectArrivesWithItsOwnerGrantsAndCommentAndTargetTriggersFireOnlyAfterTheSwitch() throws Exception {
        String db = "objs";
        databases(db, null);
        Fixtures.load(pair.source(), db, "objects.sql");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        CompletableFuture<Void> app = application(db, stop, written);
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", pair.source().uri(db),
                "--target", pair.target().uri(db), "--slot", "slot_objs", "--create-roles")) {
            ferry.awaitPhase(pair.target(), db, "STREAMING", Duration.ofSeconds(120));
            Thread.sleep(1500);
            stop.set(true);
            app.get();
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
            assertTrue(written.get() > 20, "the application wrote " + written.get() + " transactions");
            String log = ferry.output();
            assertTrue(log.contains("created role app_owner on the target, without a password"), log);
            assertTrue(log.contains("is ENABLE ALWAYS on the source; it stays ENABLE on the target until the switch"), log);

            // Replicated rows were not touched by the target's triggers (version, updated_at, audit rows).
            assertEquals(rows(pair.source(), db, "SELECT id, version, updated_at::text, code, invoice FROM objs.accounts ORDER BY id"),
                    rows(pair.target(), db, "SELECT id, version, updated_at::text, code, invoice FROM objs.accounts ORDER BY id"));
            assertEquals(rows(pair.source(), db, "SELECT id, account_id, what FROM objs.audit_log ORDER BY id"),
                    rows(pair.target(), db, "SELECT id, account_id, what FROM objs.audit_log ORDER BY id"));

            FerryRun diff = FerryRun.run("diff", "--source", pair.source().uri(db), "--target", pair.target().uri(db), "--json");
            assertEquals(0, diff.exit(), diff.all());

            FerryRun sw = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--fence", "lock", "--timeout", "30s");
            assertEquals(0, sw.exit(), sw.all() + "\nferry:\n" + ferry.output());
            assertTrue(sw.out().contains("Refreshed 1 materialized view(s) on the target."), sw.all());
            assertFalse(sw.out().contains("differs:"), sw.all());
        }
        assertEquals("A", pair.target().queryValue(db, "SELECT tgenabled FROM pg_trigger WHERE tgname = 'accounts_audit'"),
                "the switch gave the trigger its source state");
        pair.source().execute(db, "REFRESH MATERIALIZED VIEW objs.mood_totals");

        assertSameRows(rows(pair.source(), db, CATALOG), rows(pair.target(), db, CATALOG));
        assertSameViews(db);
        for (String q : QUERIES) {
            assertEquals(rows(pair.source(), db, q), rows(pair.target(), db, q), q);
        }
        FerryRun diff = FerryRun.run("diff", "--source", pair.source().uri(db), "--target", pair.target().uri(db), "--json");
        assertEquals(0, diff.exit(), diff.all());
        // The RLS policies act for the application's roles.
        String visible = "SELECT count(*) FROM objs.accounts";
        assertEquals(rows(pair.source(), db, "app_reader", visible), rows(pair.target(), db, "app_reader", visible));
        assertTrue(rows(pair.target(), db, "app_reader", visible).get(0).get(0).compareTo("0") > 0);
        assertFalse(rows(pair.target(), db, "app_reader", visible).equals(rows(pair.target(), db, visible)),
                "the reader sees fewer rows than the owner");

        // The application on the target: its triggers fire now.
        List<String> before = rows(pair.target(), db, "SELECT version FROM objs.accounts WHERE id = 1").get(0);
        pair.target().execute(db, "UPDATE objs.accounts SET balance = balance + 1 WHERE id = 1");
        assertEquals(String.valueOf(Integer.parseInt(before.get(0)) + 1),
                pair.target().queryValue(db, "SELECT version FROM objs.accounts WHERE id = 1"));
        String audits = pair.target().queryValue(db, "SELECT count(*) FROM objs.audit_log");
        pair.target().execute(db, "INSERT INTO objs.accounts (email, balance) VALUES ('after@switch.example', 1)");
        assertEquals(String.valueOf(Long.parseLong(audits) + 1), pair.target().queryValue(db, "SELECT count(*) FROM objs.audit_log"));
    }

    @Test
    @Order(3)
    void objectsThatUseWhatATransformRenamesAreNamedByCheckAndDiff() throws Exception {
        String db = "objrename";
        databases(db, "CREATE TABLE people (id bigint PRIMARY KEY, mail text NOT NULL); "
                + "CREATE VIEW mails AS SELECT mail FROM people; "
                + "CREATE FUNCTION mail_of(k bigint) RETURNS text LANGUAGE plpgsql AS $$BEGIN "
                + "  RETURN (SELECT p.mail FROM public.people p WHERE p.id = k); END$$");
        java.nio.file.Path config = tmp.resolve("ferry.yml");
        java.nio.file.Files.writeString(config, "transforms:\n  - type: rename-column\n    table: public.people\n"
                + "    column: mail\n    to: email\n");
        FerryRun check = FerryRun.run("check", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                "--config", config.toString());
        assertTrue(check.out().contains("view public.mails is not carried: it uses table public.people, which a "
                + "transform reshapes"), check.all());
        assertTrue(check.out().contains("function public.mail_of(bigint) mentions \"mail\" in its body"), check.all());
        FerryRun diff = FerryRun.run("diff", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                "--config", config.toString());
        assertTrue(diff.out().contains("not carried: view public.mails (it uses table public.people"), diff.all());
    }

    /** Equal lists, or a message with only the rows that differ. */
    private static void assertSameRows(List<List<String>> source, List<List<String>> target) {
        List<List<String>> onlySource = new ArrayList<>(source);
        onlySource.removeAll(target);
        List<List<String>> onlyTarget = new ArrayList<>(target);
        onlyTarget.removeAll(source);
        assertTrue(onlySource.isEmpty() && onlyTarget.isEmpty(), "only on the source:\n" + String.join("\n",
                onlySource.stream().map(Object::toString).toList()) + "\nonly on the target:\n" + String.join("\n",
                onlyTarget.stream().map(Object::toString).toList()));
        assertEquals(source, target);
    }

    /**
     * PostgreSQL 16 prints view queries differently (columns no longer qualified by their table), so each source
     * view's text is parsed by the target into a temporary view, which must print as the target's view does.
     */
    private static void assertSameViews(String db) throws SQLException {
        List<List<String>> views = rows(pair.source(), db, "SELECT c.oid::regclass::text, pg_get_viewdef(c.oid) "
                + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'objs' "
                + "AND c.relkind IN ('v', 'm') ORDER BY 1");
        assertEquals(3, views.size(), views.toString());
        try (Connection c = pair.target().connect(db); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SET search_path = ''");
            for (List<String> v : views) {
                String text = v.get(1).strip();
                st.execute("CREATE TEMPORARY VIEW parsed AS " + text.substring(0, text.length() - 1));
                try (ResultSet rs = st.executeQuery("SELECT pg_get_viewdef('pg_temp.parsed'::regclass) = pg_get_viewdef('"
                        + v.get(0) + "'::regclass), pg_get_viewdef('" + v.get(0) + "'::regclass)")) {
                    rs.next();
                    assertTrue(rs.getBoolean(1), v.get(0) + " on the target: " + rs.getString(2) + "\non the source: " + text);
                }
                st.execute("DROP VIEW pg_temp.parsed");
            }
            c.rollback();
        }
    }

    /** Inserts (firing the audit trigger on the source) and updates (firing the touch trigger) until stopped. */
    private static CompletableFuture<Void> application(String db, AtomicBoolean stop, AtomicInteger written) {
        return CompletableFuture.runAsync(() -> {
            try (Connection c = pair.source().connect(db);
                 PreparedStatement ins = c.prepareStatement("INSERT INTO objs.accounts (email, balance, mood) "
                         + "VALUES (?, ?, 'happy')");
                 PreparedStatement up = c.prepareStatement("UPDATE objs.accounts SET balance = balance + 1, "
                         + "mood = 'sad' WHERE id = ?")) {
                for (int k = 1; !stop.get(); k++) {
                    ins.setString(1, "live" + k + "@example.com");
                    ins.setInt(2, k % 50);
                    ins.executeUpdate();
                    up.setInt(1, 1 + k % 3000);
                    up.executeUpdate();
                    written.set(k);
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Every row as text, read with an empty search_path (names come out qualified the same way on both sides). */
    static List<List<String>> rows(PgServer server, String db, String sql) throws SQLException {
        return rows(server, db, null, sql);
    }

    /** The same, as {@code role} (null: the superuser). */
    static List<List<String>> rows(PgServer server, String db, String role, String sql) throws SQLException {
        try (Connection c = server.connect(db); Statement st = c.createStatement()) {
            st.execute("SET search_path = ''");
            if (role != null) {
                st.execute("SET ROLE " + role);
            }
            List<List<String>> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery(sql)) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getString(i));
                    }
                    out.add(row);
                }
            }
            return out;
        }
    }
}
