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
                  updated_at timestamptz NOT NULL DEFAULT now());
                CREATE INDEX orders_customer ON orders (customer_id);
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

    /** A writer doing what an online shop does: new orders, status updates, a few cancellations removed. */
    static Thread application(PgServer source, String db, AtomicBoolean stop, AtomicLong writes) {
        Thread t = new Thread(() -> {
            try (Connection c = source.connect(db);
                 PreparedStatement insert = c.prepareStatement("INSERT INTO orders (customer_id, amount, items) "
                         + "VALUES (?, ?, jsonb_build_object('sku', 'SKU-NEW', 'qty', 1))");
                 PreparedStatement update = c.prepareStatement("UPDATE orders SET status = 'paid', updated_at = now() "
                         + "WHERE id = (SELECT max(id) - ? FROM orders)");
                 PreparedStatement delete = c.prepareStatement("DELETE FROM orders WHERE id = (SELECT min(id) FROM orders)")) {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while (!stop.get()) {
                    insert.setLong(1, 1 + r.nextInt(5000));
                    insert.setBigDecimal(2, java.math.BigDecimal.valueOf(r.nextInt(100_000), 2));
                    insert.executeUpdate();
                    update.setInt(1, r.nextInt(50));
                    update.executeUpdate();
                    if (r.nextInt(10) == 0) {
                        delete.executeUpdate();
                    }
                    writes.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (SQLException e) {
                if (!stop.get()) {
                    System.err.println("demo application stopped: " + e.getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-application");
        t.setDaemon(true);
        return t;
    }
}
