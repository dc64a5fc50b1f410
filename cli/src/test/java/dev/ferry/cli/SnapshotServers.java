package dev.ferry.cli;

import dev.ferry.embedded.ServerPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * A source and a target for a snapshot test class, started once for the class; each test works in its own
 * database, with a slot and publication of its own (slots are per server).
 */
abstract class SnapshotServers {
    static ServerPair servers;

    @BeforeAll
    static void startServers() {
        servers = ServerPair.start();
    }

    @AfterAll
    static void stopServers() {
        servers.close();
    }

    static void createDatabases(String db) {
        servers.source().execute("CREATE DATABASE " + db);
        servers.target().execute("CREATE DATABASE " + db);
    }

    /** {@code ferry snapshot} between the two servers' databases {@code db}, with log progress. */
    static String[] snapshotArgs(String db, String... extra) {
        List<String> args = new ArrayList<>(List.of("snapshot", "--source", servers.source().uri(db),
                "--target", servers.target().uri(db), "--progress", "log", "--slot", "slot_" + db,
                "--publication", "pub_" + db));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    static FerryRun snapshot(String db, String... extra) {
        return FerryRun.run(snapshotArgs(db, extra));
    }
}
