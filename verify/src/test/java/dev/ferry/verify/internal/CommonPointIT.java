package dev.ferry.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Lsn;
import dev.ferry.core.state.Phase;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.StateStore;
import dev.ferry.embedded.ServerPair;
import dev.ferry.verify.internal.CommonPoint.Outcome;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How verify decides the target has caught up with a source position. */
class CommonPointIT {
    private static ServerPair pair;
    private static ConnectionSpec source;
    private static ConnectionSpec target;

    @BeforeAll
    static void start() {
        pair = ServerPair.start();
        source = ConnectionSpec.parse(pair.source().uri());
        target = ConnectionSpec.parse(pair.target().uri());
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    private static Lsn sourceLsnAfterSomeWal() {
        pair.source().execute("CREATE TABLE IF NOT EXISTS wal_maker (x int); INSERT INTO wal_maker SELECT generate_series(1, 100)");
        return Lsn.parse(pair.source().queryValue("postgres", "SELECT pg_current_wal_lsn()::text"));
    }

    private static void record(Lsn lsn) throws Exception {
        try (Connection c = pair.target().connect("postgres")) {
            StateStore.recordApplied(c, "ferry", 0, lsn, 1);
        }
    }

    @Test
    void withoutAStateStoreNothingIsAwaited() throws Exception {
        try (CommonPoint p = CommonPoint.open(source, target, "no_such_schema", Duration.ofMinutes(5))) {
            assertFalse(p.live());
            assertEquals(Outcome.NOT_STREAMING, p.await(sourceLsnAfterSomeWal()));
        }
    }

    @Test
    void theAppliedPositionTheSlotOrAnIdleApplierEndTheWait() throws Exception {
        Lsn start = sourceLsnAfterSomeWal();
        pair.source().execute("SELECT pg_create_logical_replication_slot('verify_slot', 'pgoutput')");
        try (StateStore store = StateStore.open(target, "ferry")) {
            store.createRun(new RunInfo(source.redacted(), "test", "verify_slot", "pub", start, null, Phase.STREAMING,
                    Instant.now()));
        }
        try (CommonPoint p = CommonPoint.open(source, target, "ferry", Duration.ofMinutes(5))) {
            assertTrue(p.live());

            Lsn ahead = sourceLsnAfterSomeWal();
            // Nothing applies, nothing moves: after a quiet second the target is read anyway, not after 5 minutes.
            assertEquals(Outcome.QUIET, assertTimeoutPreemptively(Duration.ofSeconds(30), () -> p.await(ahead)));

            record(ahead);
            assertEquals(Outcome.REACHED, p.await(ahead));

            Lsn further = sourceLsnAfterSomeWal();
            pair.source().execute("SELECT pg_replication_slot_advance('verify_slot', '" + further + "')");
            assertEquals(Outcome.REACHED, p.await(further), "the slot's confirmed position proves nothing is undelivered");
            assertEquals(ahead, p.applied());
        } finally {
            pair.source().execute("SELECT pg_drop_replication_slot('verify_slot')");
        }
    }

    @Test
    void postgres15And17AgreeOnTheFastAndTheBinaryHashes() {
        try (Side s = new Side(source, "source", 1); Side t = new Side(target, "target", 1)) {
            assertEquals(RowHash.FAST, RowHash.choose(s, t));
            assertTrue(RowHash.binaryAgrees(s, t), "the binary-safe types hash alike on both servers");
        }
    }
}
