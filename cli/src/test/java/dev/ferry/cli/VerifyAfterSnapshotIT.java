package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.Fixtures;
import dev.ferry.embedded.ServerPair;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ferry snapshot} then {@code ferry verify}, PostgreSQL 15 to 17: every type of the fidelity fixture and
 * the user stories' schemas compare equal, and a value changed afterwards on the target is named.
 */
class VerifyAfterSnapshotIT {
    private static ServerPair pair;

    @BeforeAll
    static void start() {
        pair = ServerPair.start();
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    private static FerryRun copy(String db) {
        return FerryRun.run("snapshot", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                "--jobs", "2", "--slot", "slot_" + db, "--publication", "pub_" + db, "--progress", "log");
    }

    private static FerryRun verify(String db, String... extra) {
        String[] args = {"verify", "--source", pair.source().uri(db), "--target", pair.target().uri(db), "--jobs", "2"};
        String[] all = new String[args.length + extra.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        return FerryRun.run(all);
    }

    @Test
    void everyFidelityValueComparesEqualAcrossVersionsAndAChangedOneIsNamed() {
        pair.source().execute("CREATE DATABASE fidelity");
        pair.target().execute("CREATE DATABASE fidelity");
        Fixtures.load(pair.source(), "fidelity", "fidelity.sql");
        FerryRun snapshot = copy("fidelity");
        assertEquals(0, snapshot.exit(), snapshot::all);

        FerryRun equal = verify("fidelity");
        assertEquals(0, equal.exit(), equal::all);
        assertTrue(equal.out().contains("public.fidelity: equal"), equal::all);
        assertTrue(equal.out().contains("public.fidelity_builtin: equal"), equal::all);

        pair.target().execute("fidelity", "UPDATE fidelity SET id = id WHERE id = 1;"
                + "UPDATE fidelity SET t = t || '.' WHERE id = 3");
        FerryRun changed = verify("fidelity", "--tables", "fidelity");
        assertEquals(1, changed.exit(), changed::all);
        assertTrue(changed.out().contains("  different: id=3\n"), changed::all);
        assertTrue(changed.out().contains("1 row differs"), changed::all);
    }

    @Test
    void theStoriesCompareEqualAfterTheSnapshot() {
        pair.source().execute("CREATE DATABASE stories");
        pair.target().execute("CREATE DATABASE stories");
        Fixtures.load(pair.source(), "stories", "stories.sql", Map.of("scale", "0.2"));
        FerryRun snapshot = copy("stories");
        assertEquals(0, snapshot.exit(), snapshot::all);
        FerryRun r = verify("stories", "--json");
        assertEquals(0, r.exit(), r::all);
        assertTrue(r.out().contains("\"equal\" : true"), r::all);
    }
}
