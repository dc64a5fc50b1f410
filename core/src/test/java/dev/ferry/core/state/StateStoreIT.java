package dev.ferry.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import java.sql.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StateStoreIT {
    private static PgServer server;
    private static ConnectionSpec target;

    @BeforeAll
    static void start() {
        server = Servers.target();
        target = ConnectionSpec.parse(server.uri());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static void record(Lsn lsn) throws Exception {
        try (Connection c = Db.open(target, "target", "test")) {
            c.setAutoCommit(false);
            StateStore.recordApplied(c, "positions", 0, lsn, 1);
            c.commit();
        }
    }

    @Test
    void theAppliedPositionNeverMovesBackwards() throws Exception {
        try (StateStore store = StateStore.open(target, "positions")) {
            record(Lsn.parse("0/3000"));
            record(Lsn.parse("0/1000"));
            assertEquals(Lsn.parse("0/3000"), store.appliedLsn(), "an older transaction's commit keeps the newer position");
            record(Lsn.parse("0/4000"));
            assertEquals(Lsn.parse("0/4000"), store.appliedLsn());
        }
    }

    @Test
    void oneApplierAtATimeBesideTheWriterLock() {
        try (StateStore stream = StateStore.open(target, "locks");
             StateStore replay = StateStore.open(target, "locks");
             StateStore switcher = StateStore.open(target, "locks")) {
            stream.lockApplier("stream");
            FerryException refused = assertThrows(FerryException.class, () -> replay.lockApplier("replay"));
            assertEquals(ExitCode.USAGE, refused.code());
            assertTrue(refused.getMessage().startsWith("changes are already being applied to this target by another "
                    + "Ferry command"), refused.getMessage());
            assertTrue(refused.getMessage().contains("stop it first"), refused.getMessage());
            assertFalse(refused.getMessage().contains("\n"), "one sentence");
            switcher.lockWriter("switch"); // a switch runs while the stream drains: the two locks are apart
            assertThrows(FerryException.class, () -> replay.lockWriter("replay"));
        }
        try (StateStore later = StateStore.open(target, "locks")) {
            later.lockApplier("replay"); // closing the stream's store released its lock
            later.lockWriter("replay");
        }
    }
}
