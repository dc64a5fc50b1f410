package dev.ferry.snapshot.internal;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Daemons;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.SlotIntent;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Creates the run's consistent starting point on the source: a publication for the chosen tables (never
 * {@code FOR ALL TABLES}), then a logical slot (pgoutput) that exports its snapshot.
 *
 * <p>Slot creation waits until every transaction that had written when it started has ended. While it waits,
 * the transactions it waits for are reported (pid, age, state) every few seconds; after the timeout the
 * creation is cancelled and the slot and publication created here are dropped, so a failed start leaves
 * nothing behind. The same waiting and reporting serve the temporary slots of resumed copies ({@link #fresh}).
 */
public final class SlotMaker {
    /** The replication connection's answer; {@code snapshot.exporter()} must stay open while workers import. */
    public record Created(ExportedSnapshot snapshot, String systemId) {}

    private final ConnectionSpec source;
    private final Consumer<String> report;

    public SlotMaker(ConnectionSpec source, Consumer<String> report) {
        this.source = source;
        this.report = report;
    }

    /** The source's system identifier, so a run is never resumed against another server. */
    public static String systemId(Connection replication) throws SQLException {
        try (Statement st = replication.createStatement(); ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Creates the publication and the run's slot. {@code intent} is told the source's system identifier and the
     * walsender's pid before the slot is asked for, so that a start killed while the slot is being created leaves
     * a record of it (see {@link #dropOrphan}).
     */
    public Created create(Connection sql, List<TableId> roots, String publication, String slot, Duration timeout,
                          BiConsumer<String, Integer> intent) {
        requireNoSlot(sql, slot);
        createPublication(sql, roots, publication);
        try {
            return exported(sql, slot, false, timeout, intent);
        } catch (RuntimeException e) {
            dropQuietly(sql, slot, publication);
            throw e;
        }
    }

    /**
     * A fresh snapshot for a resumed copy: a TEMPORARY logical slot on a replication connection, exporting its
     * snapshot. Its consistent point is an exact visibility boundary: the snapshot sees precisely the transactions
     * whose commit record ends at or before it, and a slot streaming from there would decode all the others. (The
     * WAL position read beside {@code pg_export_snapshot()} is not: a transaction can have written its commit record
     * and still be invisible, or the reverse.) The slot lives as long as the replication connection, which
     * {@link ExportedSnapshot#release()} closes; a crash cannot leak it.
     *
     * @param base the run's slot name, from which the temporary slot's (unique) name is made
     */
    public ExportedSnapshot fresh(Connection sql, String base, Duration timeout) {
        String name = (base.length() > 40 ? base.substring(0, 40) : base) + "_fresh_"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 32);
        return exported(sql, name, true, timeout, (id, pid) -> {}).snapshot();
    }

    private Created exported(Connection sql, String slot, boolean temporary, Duration timeout,
                             BiConsumer<String, Integer> intent) {
        Connection repl = null;
        try {
            repl = Db.openReplication(source, "source", "slot");
            String systemId = systemId(repl);
            int pid;
            try (Statement st = repl.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            intent.accept(systemId, pid);
            Connection r = repl;
            // A thread of its own (Daemons): the creation blocks for as long as the slot waits.
            CompletableFuture<ExportedSnapshot> made = CompletableFuture.supplyAsync(() -> createSlot(r, slot, temporary),
                    task -> Daemons.start("ferry-slot", task));
            ExportedSnapshot snap = await(made, sql, pid, slot, timeout, temporary
                    ? "the run stays as it was; run the same command again" : "the slot and publication were removed");
            return new Created(snap, systemId);
        } catch (SQLException | RuntimeException e) {
            ExportedSnapshot.closeQuietly(repl);
            if (e instanceof FerryException f) {
                throw f;
            }
            throw e instanceof SQLException s ? ServerErrors.during("creating replication slot \"" + slot + "\"", "source", s)
                    : (RuntimeException) e;
        }
    }

    /**
     * Drops the slot a start killed before it recorded its run left behind ({@code intent} is what that start
     * recorded on the target). PostgreSQL persists a slot once it is consistent, whether or not the client is still
     * there to hear it, so without this the slot would keep WAL on the source until someone dropped it by hand. The
     * walsender that was creating it is ended first when it still runs; a slot read by any other process is not
     * touched.
     */
    public static void dropOrphan(Connection sql, SlotIntent intent, Consumer<String> report) {
        try (PreparedStatement ps = sql.prepareStatement("SELECT active_pid, database = current_database() "
                + "FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, intent.slot());
            Integer active;
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                if (!rs.getBoolean(2)) {
                    return; // another database's slot: requireNoSlot names it
                }
                active = (Integer) rs.getObject(1);
            }
            if (active != null && active != intent.walsenderPid()) {
                throw new FerryException(ExitCode.USAGE, "replication slot \"" + intent.slot() + "\" is being read by "
                        + "pid " + active + ", not by the start that created it; stop that process, or pass --slot with "
                        + "another name");
            }
            report.accept("dropping replication slot \"" + intent.slot() + "\", left by a start that was stopped while "
                    + "creating it");
            if (active != null) {
                try (PreparedStatement t = sql.prepareStatement("SELECT pg_terminate_backend(?)")) {
                    t.setInt(1, active);
                    t.execute();
                }
            }
            if (!dropSlot(sql, intent.slot())) {
                throw new FerryException(ExitCode.SERVER, "replication slot \"" + intent.slot() + "\", left by a "
                        + "stopped start, is still in use; run the same command again in a moment");
            }
        } catch (SQLException e) {
            throw ServerErrors.during("dropping replication slot \"" + intent.slot() + "\"", "source", e);
        }
    }

    private static void requireNoSlot(Connection sql, String slot) {
        try (PreparedStatement ps = sql.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw new FerryException(ExitCode.USAGE, "replication slot \"" + slot + "\" already exists on the "
                            + "source but no run is recorded on the target; drop it (SELECT pg_drop_replication_slot("
                            + Identifiers.literal(slot) + ")) or pass --slot with another name");
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading replication slots", "source", e);
        }
    }

    private static void createPublication(Connection sql, List<TableId> roots, String publication) {
        String tables = roots.stream().map(TableId::quoted).collect(Collectors.joining(", "));
        try (Statement st = sql.createStatement()) {
            st.execute("CREATE PUBLICATION " + Identifiers.quote(publication) + " FOR TABLE " + tables);
        } catch (SQLException e) {
            if ("42710".equals(e.getSQLState()) && sameTables(sql, publication, roots)) {
                // What a start killed before it recorded its run leaves behind: the same tables, no slot yet.
                return;
            }
            if ("42710".equals(e.getSQLState())) {
                throw new FerryException(ExitCode.USAGE, "publication \"" + publication + "\" already exists on the "
                        + "source but no run is recorded on the target; drop it (DROP PUBLICATION " + Identifiers.quote(publication)
                        + ") or pass --publication with another name");
            }
            throw ServerErrors.during("creating publication \"" + publication + "\"", "source", e);
        }
    }

    private static boolean sameTables(Connection sql, String publication, List<TableId> roots) {
        try (PreparedStatement ps = sql.prepareStatement("SELECT n.nspname, c.relname FROM pg_publication p "
                + "JOIN pg_publication_rel r ON r.prpubid = p.oid JOIN pg_class c ON c.oid = r.prrelid "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE p.pubname = ? AND NOT p.puballtables")) {
            ps.setString(1, publication);
            java.util.Set<TableId> existing = new java.util.HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    existing.add(new TableId(rs.getString(1), rs.getString(2)));
                }
            }
            return existing.equals(new java.util.HashSet<>(roots));
        } catch (SQLException e) {
            return false;
        }
    }

    private static ExportedSnapshot createSlot(Connection repl, String slot, boolean temporary) {
        // The pre-15 spelling of (SNAPSHOT 'export'), which PostgreSQL 10 and later all accept.
        try (Statement st = repl.createStatement(); ResultSet rs = st.executeQuery("CREATE_REPLICATION_SLOT "
                + Identifiers.quote(slot) + (temporary ? " TEMPORARY" : "") + " LOGICAL pgoutput EXPORT_SNAPSHOT")) {
            rs.next();
            return new ExportedSnapshot(rs.getString("snapshot_name"), Lsn.parse(rs.getString("consistent_point")), repl);
        } catch (SQLException e) {
            throw ServerErrors.during("creating replication slot \"" + slot + "\"", "source", e);
        }
    }

    private ExportedSnapshot await(CompletableFuture<ExportedSnapshot> made, Connection sql, int pid, String slot,
                                   Duration timeout, String undone) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        String blockers = "";
        while (true) {
            try {
                return made.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long now = System.nanoTime();
                if (now >= nextReport || now >= deadline) {
                    blockers = blockers(sql, pid);
                    if (!blockers.isEmpty()) {
                        report.accept("creating replication slot \"" + slot + "\" waits for " + blockers + " to end");
                    }
                    nextReport = now + TimeUnit.SECONDS.toNanos(5);
                }
                if (now >= deadline) {
                    cancel(sql, pid);
                    throw new FerryException(ExitCode.SERVER, "creating replication slot \"" + slot + "\" waited "
                            + timeout.toSeconds() + " s for " + (blockers.isEmpty() ? "running transactions" : blockers)
                            + " on the source; end them or raise --slot-timeout (" + undone + ")");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancel(sql, pid);
                throw new FerryException(ExitCode.INTERNAL, "interrupted while creating the replication slot", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }

    /** Transactions holding a write (an xid) that the slot's snapshot builder waits for. */
    private static String blockers(Connection sql, int slotPid) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = sql.prepareStatement(
                "SELECT pid, coalesce(extract(epoch FROM now() - xact_start)::int8, 0), coalesce(state, '?'), "
                        + " coalesce(usename, '?'), left(coalesce(query, ''), 60) FROM pg_stat_activity "
                        + "WHERE backend_xid IS NOT NULL AND pid <> ? AND pid <> pg_backend_pid() ORDER BY xact_start LIMIT 5")) {
            ps.setInt(1, slotPid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add("transaction pid " + rs.getInt(1) + " (user " + rs.getString(4) + ", open " + rs.getLong(2)
                            + " s, " + rs.getString(3) + ", last query: " + rs.getString(5).replaceAll("\\s+", " ") + ")");
                }
            }
        }
        return String.join(", ", out);
    }

    private static void cancel(Connection sql, int pid) {
        try (PreparedStatement ps = sql.prepareStatement("SELECT pg_cancel_backend(?)")) {
            ps.setInt(1, pid);
            ps.execute();
        } catch (SQLException ignored) {
            // the connection is closed right after; the slot is dropped below
        }
    }

    /** Removes what {@link #create} made, for a start that failed before its run was recorded. */
    public static void dropQuietly(Connection sql, String slot, String publication) {
        try (Statement st = sql.createStatement()) {
            dropSlot(sql, slot);
            st.execute("DROP PUBLICATION IF EXISTS " + Identifiers.quote(publication));
        } catch (SQLException ignored) {
            // best effort: the original failure is what the user needs to see
        }
    }

    /** Drops {@code slot} once no walsender holds it (one just ended takes a moment); false if it stays held. */
    private static boolean dropSlot(Connection sql, String slot) throws SQLException {
        try (Statement st = sql.createStatement()) {
            for (int i = 0; i < 100; i++) {
                try (ResultSet rs = st.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = "
                        + Identifiers.literal(slot))) {
                    if (!rs.next()) {
                        return true;
                    }
                    if (!rs.getBoolean(1)) {
                        st.execute("SELECT pg_drop_replication_slot(" + Identifiers.literal(slot) + ")");
                        return true;
                    }
                }
                Thread.sleep(100);
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
