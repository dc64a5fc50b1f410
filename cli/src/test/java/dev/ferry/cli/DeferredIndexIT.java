package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unique indexes a resumed snapshot deferred are built by {@code ferry stream} beside the stream, once its applied
 * position has passed their table's fresh snapshot, and {@code ferry switch} refuses while one is missing.
 */
class DeferredIndexIT extends SnapshotServers {
    private static final String IN_PROGRESS = "SELECT count(*) FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid "
            + "WHERE x.relname IN ('big_val', 'big2_val') AND NOT i.indisvalid";

    @TempDir
    Path dir;

    @Test
    void ferryStreamBuildsTheDeferredUniqueIndexesWhileItKeepsApplying() throws Exception {
        String db = "deferred";
        SnapshotResumeIT.createTables(db);
        Path log = dir.resolve("first.log");
        Process first = FerryRun.start(log, SnapshotResumeIT.args(db, "--max-rate", "30000rows"));
        SnapshotResumeIT.killWhen(first, log, () -> SnapshotResumeIT.doneChunks(db, "big") > 0
                && SnapshotResumeIT.doneChunks(db, "big") < SnapshotResumeIT.chunks(db, "big"));
        FerryRun resumed = FerryRun.run(SnapshotResumeIT.args(db));
        assertEquals(0, resumed.exit(), resumed.all());
        assertEquals(List.of(List.of("big2_val", "false"), List.of("big_val", "false")), servers.target().query(db,
                "SELECT name, (built_at IS NOT NULL)::text FROM ferry.deferred_indexes ORDER BY 1"));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Connection c = servers.source().connect(db); Statement st = c.createStatement()) {
                for (int n = 1; !stop.get(); n++) {
                    st.execute("UPDATE big SET pad = 'u" + n + "' WHERE id = " + (n % 120000 + 1));
                    st.execute("INSERT INTO big2 VALUES (" + (200000 + n) + ", " + (200000 + n) + ", 'w')");
                    Thread.sleep(2);
                }
            } catch (Exception e) {
                failed.set(e);
            }
        });
        // A target transaction holding an older snapshot: a concurrent index build waits for it before it ends, so
        // the test sees the build under way for as long as it needs.
        try (Connection holder = servers.target().connect(db); Statement hs = holder.createStatement();
             RunningFerry stream = RunningFerry.start(dir.resolve("stream.log"), "stream", "--source",
                     servers.source().uri(db), "--target", servers.target().uri(db))) {
            holder.setAutoCommit(false);
            holder.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            hs.execute("SELECT count(*) FROM ferry.run");
            writer.start();
            stream.await("a deferred index build under way", Duration.ofSeconds(90),
                    () -> !"0".equals(servers.target().queryValue(db, IN_PROGRESS)));

            servers.source().execute(db, "INSERT INTO big VALUES (900001, 900001, 'while building')");
            stream.await("the stream applying while the index is built", Duration.ofSeconds(60),
                    () -> "1".equals(servers.target().queryValue(db, "SELECT count(*) FROM big WHERE id = 900001")));
            assertTrue(!"0".equals(servers.target().queryValue(db, IN_PROGRESS)), "the build was still under way");

            FerryRun sw = FerryRun.run("switch", "--source", servers.source().uri(db), "--target",
                    servers.target().uri(db), "--timeout", "5s");
            assertEquals(2, sw.exit(), sw.all());
            assertTrue(sw.err().contains("not built yet"), sw.all());

            holder.commit();
            stream.await("the deferred indexes built", Duration.ofSeconds(90), () -> "0".equals(servers.target()
                    .queryValue(db, "SELECT count(*) FROM ferry.deferred_indexes WHERE built_at IS NULL")));
            assertEquals("2", servers.target().queryValue(db, "SELECT count(*) FROM pg_index i JOIN pg_class x "
                    + "ON x.oid = i.indexrelid WHERE x.relname IN ('big_val', 'big2_val') AND i.indisvalid AND i.indisunique"));
            stop.set(true);
            writer.join();
            assertEquals(null, failed.get());
            stream.awaitCaughtUp(servers.source(), servers.target(), db, Duration.ofSeconds(90));
            SnapshotResumeIT.assertSame(db, "big", "id");
            SnapshotResumeIT.assertSame(db, "big2", "id");
            assertTrue(stream.output().contains("built unique index big_val of public.big"), stream.output());
        }
    }
}
