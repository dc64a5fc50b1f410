package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.embedded.PgBouncer;
import dev.ferry.embedded.PgServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Large objects, which logical replication does not carry: the snapshot copies them with their OIDs, owners,
 * privileges and comments; {@code ferry switch --large-objects} copies what the application changed with lo_*
 * calls during the stream, and under the PgBouncer fence also what it changed until the writes were held.
 */
class LargeObjectsIT extends WithServers {

    /** Each large object: OID, owner, privileges, comment, content hash. */
    static final String CATALOG = "SELECT m.oid::text, pg_get_userbyid(m.lomowner), m.lomacl::text, "
            + "obj_description(m.oid, 'pg_largeobject'), md5(lo_get(m.oid)) FROM pg_largeobject_metadata m ORDER BY m.oid";

    private static void database(String db) {
        databases(db, "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lo_owner') THEN "
                + "CREATE ROLE lo_owner NOLOGIN; CREATE ROLE lo_reader NOLOGIN; END IF; END$$; "
                + "CREATE TABLE docs (id bigserial PRIMARY KEY, body oid, note text); "
                + "INSERT INTO docs (body, note) SELECT lo_from_bytea(0, convert_to('doc ' || g, 'UTF8')), 'n' || g "
                + "FROM generate_series(1, 20) g; "
                // Three chunks of the copy's 1 MiB: content moves piece by piece.
                + "INSERT INTO docs (body, note) SELECT lo_from_bytea(0, decode(string_agg(md5(g::text), ''), 'hex')), 'big' "
                + "FROM generate_series(1, 160000) g; "
                + "DO $$DECLARE o oid; BEGIN SELECT body INTO o FROM docs WHERE id = 1; "
                + "EXECUTE format('ALTER LARGE OBJECT %s OWNER TO lo_owner', o); "
                + "EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO lo_reader', o); "
                + "EXECUTE format('COMMENT ON LARGE OBJECT %s IS %L', o, 'the first document'); END$$");
    }

    /**
     * The application: per transaction a new large object, an overwrite of document 2's large object with the
     * counter, a row pointing at the new object (until the table moved), and once the unlink of document 3's.
     * Records each acknowledged new object's content.
     */
    private static CompletableFuture<Void> application(Supplier<Connection> connect, AtomicBoolean stop,
                                                       Map<Long, String> created, AtomicLong counter) {
        return CompletableFuture.runAsync(() -> {
            try (Connection c = connect.get();
                 PreparedStatement lo = c.prepareStatement("SELECT lo_from_bytea(0, convert_to(?, 'UTF8'))::int8");
                 PreparedStatement put = c.prepareStatement("SELECT lo_put(body, 0, convert_to(lpad(?::text, 10, '0'), "
                         + "'UTF8')) FROM docs WHERE id = 2");
                 PreparedStatement row = c.prepareStatement("INSERT INTO docs (body, note) VALUES (?::int8::oid, 'live')");
                 Statement st = c.createStatement()) {
                boolean tableMoved = false;
                for (long k = 1; !stop.get(); k++) {
                    long oid;
                    lo.setString(1, "live " + k);
                    try (ResultSet rs = lo.executeQuery()) {
                        rs.next();
                        oid = rs.getLong(1);
                    }
                    created.put(oid, "live " + k);
                    put.setLong(1, k);
                    put.executeQuery().close();
                    counter.set(k);
                    if (!tableMoved) {
                        row.setLong(1, oid);
                        try {
                            row.executeUpdate();
                        } catch (java.sql.SQLException e) {
                            // The lock switch protected the source's tables; its large objects it cannot protect.
                            assertTrue(e.getMessage().contains("has moved to another server"), e.getMessage());
                            tableMoved = true;
                        }
                    }
                    if (k == 5) {
                        st.executeQuery("SELECT lo_unlink(body) FROM docs WHERE id = 3").close();
                    }
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static Connection connect(PgServer server, String db) {
        try {
            return server.connect(db);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String content(PgServer server, String db, long oid) {
        return server.queryValue(db, "SELECT convert_from(lo_get(" + oid + "), 'UTF8')");
    }

    @Test
    void theSnapshotCopiesThemAndALockSwitchCopiesTheChangedOnesAndNamesWhatItLeftBehind() throws Exception {
        String db = "lolock";
        database(db);
        FerryRun check = FerryRun.run("check", "--source", pair.source().uri(db), "--target", pair.target().uri(db));
        assertTrue(check.out().contains("the source database holds 21 large objects"), check.all());

        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", pair.source().uri(db),
                "--target", pair.target().uri(db), "--slot", "slot_lolock", "--create-roles")) {
            ferry.awaitPhase(pair.target(), db, "STREAMING", Duration.ofSeconds(120));
            assertEquals(ObjectsIT.rows(pair.source(), db, CATALOG), ObjectsIT.rows(pair.target(), db, CATALOG),
                    "the snapshot's copy, owners, privileges and comments included");
            assertTrue(ferry.output().contains("large objects: 21 large object(s) copied"), ferry.output());

            AtomicBoolean stop = new AtomicBoolean();
            Map<Long, String> created = new ConcurrentHashMap<>();
            CompletableFuture<Void> app = application(() -> connect(pair.source(), db), stop, created, new AtomicLong());
            Thread.sleep(1500);
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(60));
            Map<Long, String> beforeSwitch = Map.copyOf(created);
            // The application keeps writing large objects: the lock fence does not hold lo_* calls.
            FerryRun sw = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--fence", "lock", "--large-objects");
            stop.set(true);
            app.get();
            System.out.println(sw.out()); // the passes and their cost, for the record
            assertEquals(0, sw.exit(), sw.all() + "\nferry:\n" + ferry.output());
            assertTrue(sw.out().contains("Large objects before the fence: "), sw.all());
            assertTrue(sw.out().contains("Left behind: ") && sw.out().contains("the lock fence does not hold"), sw.all());
            assertTrue(beforeSwitch.size() > 20, "the application created " + beforeSwitch.size() + " large objects");
            for (Map.Entry<Long, String> e : beforeSwitch.entrySet()) {
                assertEquals(e.getValue(), content(pair.target(), db, e.getKey()), "large object " + e.getKey());
            }
            assertEquals("0", pair.target().queryValue(db, "SELECT count(*) FROM pg_largeobject_metadata m "
                    + "JOIN docs d ON d.body = m.oid WHERE d.id = 3"), "the unlinked one is gone on the target");
            String first = "SELECT pg_get_userbyid(m.lomowner), m.lomacl::text, obj_description(m.oid, 'pg_largeobject'), "
                    + "md5(lo_get(m.oid)) FROM pg_largeobject_metadata m JOIN public.docs d ON d.body = m.oid WHERE d.id IN (1, 21) "
                    + "ORDER BY d.id";
            assertEquals(ObjectsIT.rows(pair.source(), db, first), ObjectsIT.rows(pair.target(), db, first));
        }
    }

    @Test
    void underThePgBouncerFenceTheLastChangesAreCopiedWhileWritesAreHeld() throws Exception {
        assumeTrue(PgBouncer.available(), "PgBouncer is not installed (.ci/run installs it)");
        String db = "lobouncer";
        database(db);
        try (PgBouncer bouncer = new PgBouncer(pair.source(), db);
             RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", pair.source().uri(db),
                     "--target", pair.target().uri(db), "--slot", "slot_lobouncer", "--create-roles")) {
            ferry.awaitPhase(pair.target(), db, "STREAMING", Duration.ofSeconds(120));
            AtomicBoolean stop = new AtomicBoolean();
            Map<Long, String> created = new ConcurrentHashMap<>();
            AtomicLong counter = new AtomicLong();
            CompletableFuture<Void> app = application(() -> {
                try {
                    return SwitchIT.connect(bouncer.uri(db));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, stop, created, counter);
            Thread.sleep(1500);
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(60));
            FerryRun sw = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--fence", "pgbouncer", "--pgbouncer", bouncer.adminUri(), "--pgbouncer-ini",
                    bouncer.iniFile().toString(), "--timeout", "20s", "--large-objects");
            Thread.sleep(500);
            stop.set(true);
            app.get();
            System.out.println(sw.out()); // the passes and their cost, for the record
            assertEquals(0, sw.exit(), sw.all() + "\nferry:\n" + ferry.output());
            assertTrue(sw.out().contains("Large objects while writes were held: "), sw.all());
            assertFalse(sw.out().contains("Left behind"), sw.all());
            // Every acknowledged write is on the target: before the switch copied, after it written there.
            assertTrue(created.size() > 20, "the application created " + created.size() + " large objects");
            for (Map.Entry<Long, String> e : created.entrySet()) {
                assertEquals(e.getValue(), content(pair.target(), db, e.getKey()), "large object " + e.getKey());
            }
            List<List<String>> last = ObjectsIT.rows(pair.target(), db,
                    "SELECT convert_from(lo_get(body), 'UTF8') FROM public.docs WHERE id = 2");
            assertEquals(String.format("%010d", counter.get()), last.get(0).get(0), "the last overwrite");
        }
    }
}
