package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Holds writers with table locks on the source: {@code EXCLUSIVE} mode conflicts with every writer
 * ({@code ROW EXCLUSIVE} and up) whatever role it runs as, yet lets readers through. Each attempt waits at
 * most a short {@code lock_timeout}, so a long transaction never queues readers behind the fence for long;
 * attempts repeat until the switch's timeout.
 */
public final class LockFence implements Fence {
    static final Duration ATTEMPT = Duration.ofMillis(200);

    private final ConnectionSpec source;
    private final List<TableId> tables;
    private final String stateSchema;
    private Connection held;

    public LockFence(ConnectionSpec source, List<TableId> tables, String stateSchema) {
        this.source = source;
        this.tables = List.copyOf(tables);
        this.stateSchema = stateSchema;
    }

    @Override
    public String name() {
        return "lock";
    }

    @Override
    public void hold(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Connection c = Db.open(source, "source", "switch fence");
        String lock = "LOCK TABLE " + tables.stream().map(TableId::quoted).collect(Collectors.joining(", "))
                + " IN EXCLUSIVE MODE";
        int attempts = 0;
        try {
            c.setAutoCommit(false);
            while (true) {
                attempts++;
                try (Statement s = c.createStatement()) {
                    s.execute("SET LOCAL lock_timeout = '" + ATTEMPT.toMillis() + "ms'");
                    s.execute(lock);
                    held = c;
                    return;
                } catch (SQLException e) {
                    c.rollback();
                    if (!"55P03".equals(e.getSQLState())) {
                        throw ServerErrors.during("locking the migrated tables", "source", e);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new FerryException(ExitCode.PROBLEMS, "could not lock the migrated tables on the source "
                                + "within " + timeout.toSeconds() + " s (" + attempts + " attempts of " + ATTEMPT.toMillis()
                                + " ms; a long transaction holds them: see pg_stat_activity); nothing was changed, "
                                + "the source stays writable; retry later or raise --timeout");
                    }
                    Thread.sleep(20 + (long) (Math.random() * 30));
                }
            }
        } catch (SQLException e) {
            close(c);
            throw ServerErrors.during("locking the migrated tables", "source", e);
        } catch (InterruptedException e) {
            close(c);
            Thread.currentThread().interrupt();
            throw FerryException.internal("interrupted while fencing", e);
        } catch (RuntimeException e) {
            if (held == null) {
                close(c);
            }
            throw e;
        }
    }

    @Override
    public void release() {
        if (held != null) {
            try {
                held.rollback();
            } catch (SQLException ignored) {
                // closing ends the transaction anyway
            }
            close(held);
            held = null;
        }
    }

    @Override
    public void releaseToTarget() {
        if (held == null) {
            return;
        }
        try (Statement s = held.createStatement()) {
            // In the fencing transaction: waiting writers see the trigger the moment the locks go.
            s.execute(protectSql());
            held.commit();
        } catch (SQLException e) {
            release();
            throw ServerErrors.during("write-protecting the source tables", "source", e);
        } finally {
            close(held);
            held = null;
        }
    }

    private String protectSql() {
        String schema = Identifiers.quote(stateSchema);
        StringBuilder sql = new StringBuilder("CREATE SCHEMA IF NOT EXISTS " + schema + ";"
                + "CREATE OR REPLACE FUNCTION " + schema + ".table_moved() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN "
                + "RAISE EXCEPTION 'table %.% has moved to another server (ferry switch); write to the new server', "
                + "TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'read_only_sql_transaction'; END$f$;");
        for (TableId t : tables) {
            sql.append("DROP TRIGGER IF EXISTS ferry_moved ON ").append(t.quoted()).append(';')
                    .append("CREATE TRIGGER ferry_moved BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON ")
                    .append(t.quoted()).append(" FOR EACH STATEMENT EXECUTE FUNCTION ").append(schema)
                    .append(".table_moved();");
        }
        return sql.toString();
    }

    @Override
    public void recover() {
        // Locks die with the session that held them: a killed switch leaves nothing held.
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // already gone
        }
    }
}
