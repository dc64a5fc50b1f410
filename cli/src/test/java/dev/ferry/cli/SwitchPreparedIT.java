package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A prepared transaction holds its locks with no session ({@code pg_locks.pid} NULL): the lock fence would wait on
 * it, PgBouncer's PAUSE ignores it, and its COMMIT PREPARED would be a write after the fence. The switch refuses,
 * naming its gid, and changes nothing.
 */
class SwitchPreparedIT extends WithServers {

    @BeforeAll
    static void allowPreparedTransactions() {
        pair.source().execute("ALTER SYSTEM SET max_prepared_transactions = 5");
        pair.source().restart();
    }

    @Test
    void aPreparedTransactionOnAMigratedTableRefusesTheSwitchNamingItsGid() throws Exception {
        String db = "prepared";
        databases(db, "CREATE TABLE accounts (id bigserial PRIMARY KEY, balance numeric NOT NULL);"
                + "INSERT INTO accounts (balance) SELECT g FROM generate_series(1, 100) g");
        try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", pair.source().uri(db),
                "--target", pair.target().uri(db), "--slot", "slot_" + db)) {
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofSeconds(90));
            try (Connection c = pair.source().connect(db); Statement s = c.createStatement()) {
                s.execute("BEGIN");
                s.execute("UPDATE accounts SET balance = 0 WHERE id = 1");
                s.execute("PREPARE TRANSACTION 'pay-run 42'");
            }
            FerryRun sw = FerryRun.run("switch", "--source", pair.source().uri(db), "--target", pair.target().uri(db),
                    "--timeout", "5s");
            pair.source().execute(db, "ROLLBACK PREPARED 'pay-run 42'");
            assertEquals(2, sw.exit(), sw.all());
            assertTrue(sw.err().contains("pay-run 42") && sw.err().contains("ROLLBACK PREPARED"), sw.all());
            pair.source().execute(db, "INSERT INTO accounts (balance) VALUES (1)");
            FerryRun status = FerryRun.run("status", "--source", pair.source().uri(db), "--target", pair.target().uri(db));
            assertTrue(status.out().contains("not switched"), status.all());
        }
    }
}
