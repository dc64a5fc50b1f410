package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A change the target refuses (a constraint only the target has) stops the stream with the table and the row. */
class StreamTargetErrorIT {
    static ServerPair pair;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        pair = ServerPair.start();
    }

    @AfterAll
    static void stop() {
        pair.close();
    }

    @Test
    void aConstraintViolationOnTheTargetNamesTheTableAndTheKey() throws Exception {
        String db = "refused";
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, "CREATE TABLE t (id int PRIMARY KEY, code text); INSERT INTO t VALUES (1, 'a')");
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source",
                pair.source().uri(db), "--target", pair.target().uri(db))) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
            pair.target().execute(db, "CREATE UNIQUE INDEX t_code ON t (code)");
            pair.source().execute(db, "INSERT INTO t VALUES (2, 'b'), (3, 'dup'), (4, 'dup')");
            ferry.await("ferry to stop", Duration.ofSeconds(60), () -> !ferry.alive(), true);
            String out = ferry.output();
            assertTrue(out.contains("applying a change to public.t failed on the target")
                    && out.contains("Key (code)=(dup) already exists")
                    && out.contains("the position is kept"), out);
            assertEquals("1", pair.target().queryValue(db, "SELECT count(*) FROM t"), "nothing of the refused "
                    + "transaction is on the target");
        }
    }
}
