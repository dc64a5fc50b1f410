package dev.ferry.cli;

import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * One source and one target for a whole test class (starting servers costs seconds), stopped at its end even when
 * a test fails. Scenarios keep out of each other's way with a database each (and, since replication slots belong
 * to the server, a slot each).
 */
abstract class WithServers {
    static ServerPair pair;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServers() {
        pair = ServerPair.start();
    }

    @AfterAll
    static void stopServers() {
        pair.close();
    }

    /** Creates database {@code db} on both servers and runs {@code sourceSql} (may be null) in the source's. */
    static void databases(String db, String sourceSql) {
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        if (sourceSql != null) {
            pair.source().execute(db, sourceSql);
        }
    }
}
