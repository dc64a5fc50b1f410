package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.ServerPair;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing lost, nothing doubled: ferry start killed with kill -9 again and again under continuous writes. */
class CrashIT {

    @Test
    void killedRepeatedlyDuringSnapshotAndStreamTheTargetEndsEqualToTheSource(@TempDir Path tmp) throws Exception {
        try (ServerPair pair = ServerPair.start()) {
            String db = "crash";
            pair.source().execute("CREATE DATABASE " + db);
            pair.target().execute("CREATE DATABASE " + db);
            pair.source().execute(db, """
                    CREATE TABLE accounts (id bigserial PRIMARY KEY, owner text NOT NULL, balance numeric NOT NULL, memo text);
                    INSERT INTO accounts (owner, balance, memo) SELECT 'o' || g, g, repeat('m', g % 300)
                      FROM generate_series(1, 300000) g;
                    CREATE TABLE moves (id bigserial PRIMARY KEY, account bigint NOT NULL, amount numeric NOT NULL);
                    """);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong writes = new AtomicLong();
            Thread writer = new Thread(() -> {
                try (Connection c = pair.source().connect(db)) {
                    c.setAutoCommit(false);
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    try (PreparedStatement update = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?");
                         PreparedStatement move = c.prepareStatement("INSERT INTO moves (account, amount) VALUES (?, ?)");
                         PreparedStatement insert = c.prepareStatement("INSERT INTO accounts (owner, balance) VALUES ('new', 0)");
                         PreparedStatement delete = c.prepareStatement("DELETE FROM accounts WHERE id = ?");
                         Statement rekey = c.createStatement()) {
                        while (!stop.get()) {
                            long id = 1 + r.nextInt(300_000);
                            update.setInt(1, 1);
                            update.setLong(2, id);
                            update.executeUpdate();
                            move.setLong(1, id);
                            move.setInt(2, 1);
                            move.executeUpdate();
                            if (r.nextInt(5) == 0) {
                                insert.executeUpdate();
                            }
                            if (r.nextInt(7) == 0) {
                                delete.setLong(1, 1 + r.nextInt(300_000));
                                delete.executeUpdate();
                            }
                            if (r.nextInt(50) == 0) {
                                rekey.executeUpdate("UPDATE accounts SET id = -id WHERE id = " + (1 + r.nextInt(300_000)));
                            }
                            c.commit();
                            writes.incrementAndGet();
                        }
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--source", pair.source().uri(db),
                    "--target", pair.target().uri(db), "--slot", "slot_crash", "--jobs", "2");
            try {
                // The first kill lands in the snapshot; the others while streaming, at random moments.
                for (long pause : List.of(1200L, 2500L, 1500L, 2000L, 800L)) {
                    Thread.sleep(pause + ThreadLocalRandom.current().nextLong(700));
                    ferry.kill();
                    ferry.restart();
                }
                Thread.sleep(3000);
            } finally {
                stop.set(true);
                writer.join(10_000);
            }
            ferry.awaitCaughtUp(pair.source(), pair.target(), db, Duration.ofMinutes(3));
            ferry.close();
            assertTrue(writes.get() > 200, "the writer kept writing: " + writes.get());
            for (String table : List.of("accounts", "moves")) {
                String sql = "SELECT count(*) || ':' || coalesce(sum(hashtext(t::text)::bigint), 0) FROM " + table + " t";
                assertEquals(pair.source().queryValue(db, sql), pair.target().queryValue(db, sql), table + " after "
                        + writes.get() + " writes and 5 kills; ferry output:\n" + ferry.output());
            }
            FerryRun verify = FerryRun.run("verify", "--source", pair.source().uri(db), "--target", pair.target().uri(db));
            assertEquals(0, verify.exit(), verify.all());
        }
    }
}
