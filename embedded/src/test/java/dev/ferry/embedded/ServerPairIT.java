package dev.ferry.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

class ServerPairIT {

    @Test
    void startsALogicalSourceAndATargetOfAnotherMajorVersion() {
        try (ServerPair pair = ServerPair.start()) {
            assertEquals("logical", pair.source().queryValue("postgres", "SHOW wal_level"));
            assertEquals("on", pair.source().queryValue("postgres", "SHOW synchronous_commit"));
            assertNotEquals(pair.source().port(), pair.target().port());
            assertEquals(17, pair.target().majorVersion());
            pair.source().restart();
            assertEquals("1", pair.source().queryValue("postgres", "SELECT 1"));
        }
    }

    @Test
    void dockerBackedServersRunWhereDockerIs() {
        assumeTrue(DockerServer.available(), "no Docker engine here: the Testcontainers variant is skipped");
        try (PgServer s = DockerServer.start("source", ServerSettings.forRole(true), "postgres:15")) {
            assertEquals("logical", s.queryValue("postgres", "SHOW wal_level"));
        }
    }
}
