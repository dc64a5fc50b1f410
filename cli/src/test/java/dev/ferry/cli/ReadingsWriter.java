package dev.ferry.cli;

import dev.ferry.embedded.PgServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The partitioned {@code readings} table of the two-server partition tests, and a writer that touches it all
 * along: inserts into every partition (even ids are free at first, the default partition's too), updates within
 * one, key changes that move a row to another partition (decoded as a delete from one leaf and an insert into
 * another), and deletes.
 */
final class ReadingsWriter extends Thread implements AutoCloseable {
    static final String SCHEMA = "CREATE TABLE readings (id int PRIMARY KEY, sensor text NOT NULL, v numeric) "
            + "PARTITION BY RANGE (id);"
            + "CREATE TABLE readings_low PARTITION OF readings FOR VALUES FROM (0) TO (10000);"
            + "CREATE TABLE readings_high PARTITION OF readings FOR VALUES FROM (10000) TO (20000);"
            + "CREATE TABLE readings_rest PARTITION OF readings DEFAULT;"
            + "INSERT INTO readings SELECT g, 's' || g % 7, g / 3.0 FROM generate_series(1, 25000, 2) g";
    static final String[] LEAVES = {"readings_low", "readings_high", "readings_rest"};

    private final PgServer server;
    private final String db;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger rounds = new AtomicInteger();
    private final StringBuffer failure = new StringBuffer();

    ReadingsWriter(PgServer server, String db) {
        this.server = server;
        this.db = db;
        start();
    }

    int rounds() {
        return rounds.get();
    }

    @Override
    public void run() {
        try (Connection c = server.connect(db); Statement s = c.createStatement()) {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            while (!stop.get()) {
                int id = 2 * r.nextInt(14_000);
                s.execute("INSERT INTO readings VALUES (" + id + ", 'w" + id + "', 1) ON CONFLICT (id) DO UPDATE "
                        + "SET v = readings.v + 1, sensor = readings.sensor || 'u'");
                s.execute("UPDATE readings SET v = v * 2, sensor = 'x' WHERE id = " + (1 + 2 * r.nextInt(12_500)));
                int from = 1 + 2 * r.nextInt(12_500);
                int to = from < 10_000 ? from + 10_000 : from - 10_000;
                s.execute("UPDATE readings SET id = " + to + " WHERE id = " + from
                        + " AND NOT EXISTS (SELECT 1 FROM readings WHERE id = " + to + ")");
                s.execute("DELETE FROM readings WHERE id = " + (1 + 2 * r.nextInt(12_500)));
                rounds.incrementAndGet();
                Thread.sleep(2);
            }
        } catch (SQLException | InterruptedException e) {
            failure.append(e);
        }
    }

    /** Stops the writer; what it failed with, or "" (so a test asserts it). */
    String finish() throws InterruptedException {
        stop.set(true);
        join(10_000);
        return failure.toString();
    }

    @Override
    public void close() throws InterruptedException {
        finish();
    }
}
