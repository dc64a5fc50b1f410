package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * ferry.yml's {@code objects:}: a view and a function that name a column a transform renames get the definitions
 * the file gives, another is skipped; check, diff and dry-run say so; the migration runs with writes going on.
 */
class ObjectChoicesIT extends WithServers {

    static final String CONFIG = """
            transforms:
              - type: rename-column
                table: public.people
                column: mail
                to: email
            objects:
              replace:
                "view public.mails": "CREATE VIEW public.mails AS SELECT id, email FROM public.people"
                "function public.mail_of(bigint)": >-
                  CREATE OR REPLACE FUNCTION public.mail_of(k bigint) RETURNS text LANGUAGE plpgsql
                  AS $$BEGIN RETURN (SELECT p.email FROM public.people p WHERE p.id = k); END$$
              skip:
                - view public.mail_domains
            """;

    @Test
    void replacedObjectsAreCreatedFromTheFileAndSkippedOnesNotAtAll() throws Exception {
        String db = "objchoices";
        databases(db, "CREATE TABLE people (id bigserial PRIMARY KEY, mail text NOT NULL); "
                + "INSERT INTO people (mail) SELECT 'p' || g || '@example.com' FROM generate_series(1, 200) g; "
                + "CREATE VIEW mails AS SELECT id, mail FROM people; "
                + "CREATE VIEW mail_domains AS SELECT DISTINCT split_part(mail, '@', 2) AS domain FROM people; "
                + "COMMENT ON VIEW mails IS 'who to write to'; "
                + "COMMENT ON COLUMN people.id IS 'the key'; COMMENT ON COLUMN people.mail IS 'renamed away'; "
                + "GRANT SELECT (id) ON people TO PUBLIC; "
                + "CREATE TEXT SEARCH CONFIGURATION public.mail_search (COPY = pg_catalog.simple); "
                + "CREATE STATISTICS public.people_stats ON id, mail FROM people; "
                + "CREATE FUNCTION mail_of(k bigint) RETURNS text LANGUAGE plpgsql AS $$BEGIN "
                + "  RETURN (SELECT p.mail FROM public.people p WHERE p.id = k); END$$");
        Path config = tmp.resolve("ferry.yml");
        Files.writeString(config, CONFIG);
        String[] conn = {"--source", pair.source().uri(db), "--target", pair.target().uri(db), "--config", config.toString()};

        FerryRun check = FerryRun.run(concat("check", conn));
        assertFalse(check.out().contains("mentions \"mail\""), check.all());
        assertFalse(check.out().contains("view public.mails is not carried"), check.all());
        assertTrue(check.out().contains("view public.mail_domains is not carried: skipped in ferry.yml"), check.all());
        assertTrue(check.out().contains("column \"public\".\"people\".\"mail\" is not carried: a transform renames, retypes or drops it"),
                check.all());
        assertFalse(check.out().contains("column \"public\".\"people\".\"id\" is not carried"), check.all());
        assertTrue(check.out().contains("text search configuration public.mail_search"), "named as left out: " + check.all());
        assertTrue(check.out().contains("statistics object public.people_stats is not carried: its table is reshaped"),
                check.all());

        FerryRun dry = FerryRun.run("dry-run", "--source", pair.source().uri(db), "--config", config.toString(), "--objects");
        assertEquals(0, dry.exit(), dry.all());
        assertTrue(dry.out().contains("-- view public.mails (replaced in ferry.yml)\n"
                + "CREATE VIEW public.mails AS SELECT id, email FROM public.people;"), dry.all());
        assertTrue(dry.out().contains("-- function public.mail_of(bigint) (replaced in ferry.yml)"), dry.all());
        assertTrue(dry.out().contains("-- not carried: view public.mail_domains (skipped in ferry.yml)"), dry.all());

        Path typo = tmp.resolve("typo.yml");
        Files.writeString(typo, CONFIG.replace("- view public.mail_domains", "- view public.mail_domain"));
        FerryRun refused = FerryRun.run("check", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                "--config", typo.toString());
        assertEquals(1, refused.exit(), refused.all());
        assertTrue(refused.out().contains("problem: ferry.yml names view public.mail_domain under objects:"), refused.all());
        FerryRun snapshot = FerryRun.run("snapshot", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                "--config", typo.toString(), "--slot", "slot_objtypo");
        assertEquals(2, snapshot.exit(), snapshot.all());
        assertTrue(snapshot.err().contains("ferry.yml names view public.mail_domain under objects:"), snapshot.all());
        assertEquals("0", pair.source().queryValue(db, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'slot_objtypo'"));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        CompletableFuture<Void> app = CompletableFuture.runAsync(() -> {
            try (Connection c = pair.source().connect(db);
                 PreparedStatement ins = c.prepareStatement("INSERT INTO people (mail) VALUES (?)")) {
                for (int k = 1; !stop.get(); k++) {
                    ins.setString(1, "live" + k + "@example.org");
                    ins.executeUpdate();
                    written.set(k);
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), concat("start", conn, "--slot",
                "slot_objchoices"))) {
            ferry.awaitPhase(pair.target(), db, "STREAMING", Duration.ofSeconds(120));
            Thread.sleep(1000);
            stop.set(true);
            app.get();
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
            assertTrue(written.get() > 10, "the application wrote " + written.get() + " rows");

            String q = "SELECT id, %s FROM public.%s ORDER BY id";
            assertEquals(ObjectsIT.rows(pair.source(), db, q.formatted("mail", "mails")),
                    ObjectsIT.rows(pair.target(), db, q.formatted("email", "mails")), "the replaced view, with the stream's rows");
            assertEquals(pair.source().queryValue(db, "SELECT public.mail_of(7)"),
                    pair.target().queryValue(db, "SELECT public.mail_of(7)"));
            assertEquals("who to write to", pair.target().queryValue(db,
                    "SELECT obj_description('public.mails'::regclass, 'pg_class')"), "a replaced object keeps its comment");
            assertEquals("0", pair.target().queryValue(db, "SELECT count(*) FROM pg_class WHERE relname = 'mail_domains'"));
            String column = "SELECT col_description('public.people'::regclass, a.attnum), a.attacl::text FROM pg_attribute a "
                    + "WHERE a.attrelid = 'public.people'::regclass AND a.attname = 'id'";
            assertEquals(ObjectsIT.rows(pair.source(), db, column), ObjectsIT.rows(pair.target(), db, column),
                    "the comment and privileges of a column the transform keeps, on a reshaped table");

            FerryRun diff = FerryRun.run(concat("diff", conn));
            assertEquals(0, diff.exit(), diff.all());
            assertTrue(diff.out().contains("not carried: view public.mail_domains (skipped in ferry.yml)"), diff.all());
            assertFalse(diff.out().contains("mentions"), "the replaced function is not named: " + diff.all());
            Path noReplace = tmp.resolve("plain.yml");
            Files.writeString(noReplace, CONFIG.substring(0, CONFIG.indexOf("objects:")));
            FerryRun plain = FerryRun.run("diff", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--config", noReplace.toString());
            assertTrue(plain.out().contains("function public.mail_of(bigint) mentions \"mail\" in its body"), plain.all());
            assertTrue(plain.out().contains("not carried: view public.mails (it uses table"), plain.all());
        }
    }

    private static String[] concat(String first, String[] rest, String... more) {
        String[] out = new String[1 + rest.length + more.length];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        System.arraycopy(more, 0, out, 1 + rest.length, more.length);
        return out;
    }
}
