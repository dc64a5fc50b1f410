package dev.ferry.cli;

import dev.ferry.embedded.PgServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** The demo's data set and the "application" that keeps writing to it. */
final class DemoData {
    private DemoData() {}

    static void load(PgServer source, String db, int rows) {
        source.execute(db, """
                CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');
                CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, country char(2) NOT NULL);
                CREATE TABLE orders (
                  id bigserial PRIMARY KEY,
                  customer_id bigint NOT NULL REFERENCES customers(id),
                  status order_status NOT NULL DEFAULT 'new',
                  amount numeric(12,2) NOT NULL,
                  items jsonb NOT NULL,
                  note text,
                  created_at timestamptz NOT NULL DEFAULT now(),
                  updated_at timestamptz NOT NULL DEFAULT now(),
                  updates integer NOT NULL DEFAULT 0);
                CREATE INDEX orders_customer ON orders (customer_id);
                -- The objects around the tables, which Ferry carries too.
                CREATE FUNCTION count_update() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.updates := OLD.updates + 1;
                  RETURN NEW;
                END $$;
                CREATE TRIGGER orders_count_updates BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION count_update();
                CREATE FUNCTION customer_total(customer bigint) RETURNS numeric LANGUAGE sql STABLE
                  AS $$ SELECT coalesce(sum(amount), 0) FROM public.orders WHERE customer_id = customer $$;
                CREATE VIEW paid_orders AS
                  SELECT o.id, c.email, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id
                  WHERE o.status = 'paid';
                COMMENT ON VIEW paid_orders IS 'what the accounting team reads';
                INSERT INTO customers SELECT g, 'customer' || g || '@example.com', (ARRAY['DE','FR','US','JP'])[1 + g % 4]
                  FROM generate_series(1, 5000) g;
                """);
        source.execute(db, "INSERT INTO orders (customer_id, status, amount, items, note, created_at) "
                + "SELECT 1 + g % 5000, (ARRAY['new','paid','shipped','cancelled']::order_status[])[1 + g % 4], "
                + "round((random() * 500)::numeric, 2), jsonb_build_object('sku', 'SKU-' || g % 997, 'qty', 1 + g % 5), "
                + "CASE WHEN g % 10 = 0 THEN 'gift wrap, ünïcödé ✓' END, now() - (g || ' minutes')::interval "
                + "FROM generate_series(1, " + rows + ") g");
        source.execute(db, "VACUUM ANALYZE");
    }

    /**
     * A writer doing what an online shop does: new orders, payments, some cancellations removed. It writes to
     * the source until the switch's hook creates {@code switchedFlag}, then to the target, retrying the write
     * the old server refused.
     */
    static final class Application {
        private final PgServer source;
        private final PgServer target;
        private final String db;
        private final java.nio.file.Path switchedFlag;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong written = new AtomicLong();
        private final AtomicLong refused = new AtomicLong();
        private final Thread thread = new Thread(this::loop, "demo-application");

        Application(PgServer source, PgServer target, String db, java.nio.file.Path switchedFlag) {
            this.source = source;
            this.target = target;
            this.db = db;
            this.switchedFlag = switchedFlag;
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(10_000);
        }

        long written() {
            return written.get();
        }

        long refused() {
            return refused.get();
        }

        private void loop() {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            Connection c = null;
            boolean onTarget = false;
            while (!stop.get()) {
                try {
                    if (c == null || (!onTarget && java.nio.file.Files.exists(switchedFlag))) {
                        if (c != null) {
                            c.close();
                        }
                        onTarget = java.nio.file.Files.exists(switchedFlag);
                        c = (onTarget ? target : source).connect(db);
                    }
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO orders (customer_id, amount, items) "
                            + "VALUES (?, ?, jsonb_build_object('sku', 'SKU-NEW', 'qty', 1))");
                         PreparedStatement update = c.prepareStatement("UPDATE orders SET status = 'paid', "
                                 + "updated_at = now() WHERE id = (SELECT max(id) - ? FROM orders)");
                         PreparedStatement delete = c.prepareStatement("DELETE FROM orders WHERE id = "
                                 + "(SELECT min(id) FROM orders)")) {
                        insert.setLong(1, 1 + r.nextInt(5000));
                        insert.setBigDecimal(2, java.math.BigDecimal.valueOf(r.nextInt(100_000), 2));
                        insert.executeUpdate();
                        update.setInt(1, r.nextInt(50));
                        update.executeUpdate();
                        if (r.nextInt(10) == 0) {
                            delete.executeUpdate();
                        }
                    }
                    written.incrementAndGet();
                    Thread.sleep(5);
                } catch (SQLException e) {
                    // The old server refuses writes once the tables moved; the next loop goes to the new one.
                    refused.incrementAndGet();
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            try {
                if (c != null) {
                    c.close();
                }
            } catch (SQLException ignored) {
                // stopping
            }
        }
    }
}
