package dev.ferry.cli;

import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * One server for an in-place test class (the target is the source's own database), started once for the class;
 * each test works in its own database.
 */
abstract class OneServer {
    static PgServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() {
        server = Servers.source();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }
}
