package dev.ferry.cli;

import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.AutovacuumPauses;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.RunStatus;
import dev.ferry.core.state.StateStore;
import dev.ferry.switchover.SourceCleanup;
import dev.ferry.switchover.SwitchState;
import dev.ferry.transforms.Identifiers;
import java.io.Console;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "cleanup", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"End a run: drop the replication slot and the publication on the source and Ferry's state schema "
                + "on the target. An abandoned slot keeps WAL on the source forever, the classic way such tools fill a "
                + "production disk.",
                "Also drops the write-protection triggers (ferry_fence) and function a switch put on the source, unless the "
                        + "run was switched over (then only with --drop-protection); refuses while a switch is unfinished.",
                "Asks first unless --yes; refuses while a Ferry command runs against the target or a stream reads the slot, "
                        + "unless --force.",
                "With --in-place also drops the shadow schema and, after asking, ferry_old with the original tables "
                        + "(swapping back would lose every write made since the swap)."})
final class CleanupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--force", description = "Also stop a stream that is still reading the slot.")
    boolean force;

    @Option(names = "--drop-protection", description = "After a switch, also drop the triggers that make the old "
            + "source tables refuse writes (the application must no longer write there).")
    boolean dropProtection;

    @Option(names = {"--slot"}, paramLabel = "NAME", description = "The slot to drop when the target holds no run "
            + "(default: the run's slot, or ferry_slot).")
    String slotOption;

    @Option(names = {"--publication"}, paramLabel = "NAME", description = "The publication to drop when the target "
            + "holds no run (default: the run's publication, or ferry_pub).")
    String publicationOption;

    @Override
    public Integer call() {
        Settings s = connection.resolve(true, true);
        PrintWriter out = spec.commandLine().getOut();
        Optional<RunInfo> run;
        SwitchState switchState;
        try (StateStore store = StateStore.openExisting(s.target(), s.stateSchema()).orElse(null)) {
            run = store == null ? Optional.empty() : store.run();
            switchState = store == null ? null : store.switchState().flatMap(SwitchState::parse).orElse(null);
            String writer = store == null ? null : RunStatus.writer(store.connection(), s.stateSchema());
            if (writer != null && !force) {
                // During the snapshot the slot is idle, yet dropping it would ruin the copy under way.
                throw FerryException.usage("a Ferry command is still running against this target (" + writer
                        + "); stop it first, or pass --force");
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the state store", "target", e);
        }
        String slot = slotOption != null ? slotOption : run.map(RunInfo::slot).orElse("ferry_slot");
        String publication = publicationOption != null ? publicationOption : run.map(RunInfo::publication).orElse("ferry_pub");
        String plan = "drop replication slot \"" + slot + "\" and publication \"" + publication + "\" on "
                + s.source().address() + " with Ferry's write-protection triggers there (after a switch only with "
                + "--drop-protection), and schema \"" + s.stateSchema() + "\" on " + s.target().address();
        if (!yes) {
            Console console = System.console();
            if (console == null) {
                throw FerryException.usage("cleanup would " + plan + "; pass --yes to confirm (there is no terminal to ask)");
            }
            String answer = console.readLine("This will %s. Continue? [y/N] ", plan);
            if (answer == null || !answer.strip().equalsIgnoreCase("y")) {
                out.println("Nothing was dropped.");
                return ExitCode.PROBLEMS.status();
            }
        }
        try (Connection c = Db.open(s.source(), "source", "cleanup")) {
            run.ifPresent(r -> requireSameSource(c, r));
            out.println(SourceCleanup.run(s.source(), s.stateSchema(), switchState, dropProtection));
            try (PreparedStatement ps = c.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        int pid = rs.getInt(1);
                        if (!rs.wasNull()) {
                            if (!force) {
                                throw FerryException.usage("slot \"" + slot + "\" is being read (walsender pid " + pid
                                        + "): a stream is still running; stop it first, or pass --force");
                            }
                            try (Statement st = c.createStatement()) {
                                st.execute("SELECT pg_terminate_backend(" + pid + ")");
                            }
                        }
                        dropSlot(c, slot, force);
                        out.println("Dropped replication slot \"" + slot + "\".");
                    } else {
                        out.println("No replication slot \"" + slot + "\" on the source.");
                    }
                }
            }
            boolean published;
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
                ps.setString(1, publication);
                try (ResultSet rs = ps.executeQuery()) {
                    published = rs.next();
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("DROP PUBLICATION IF EXISTS " + Identifiers.quote(publication));
            }
            out.println(published ? "Dropped publication \"" + publication + "\"."
                    : "No publication \"" + publication + "\" on the source.");
        } catch (SQLException e) {
            throw ServerErrors.during("dropping the slot and the publication", "source", e);
        }
        try (Connection c = Db.open(s.target(), "target", "cleanup"); Statement st = c.createStatement()) {
            int lifted = AutovacuumPauses.liftAll(c, s.stateSchema());
            if (lifted > 0) {
                out.println("Turned autovacuum back on for " + lifted + " table(s) the snapshot had not finished.");
            }
            st.execute("DROP SCHEMA IF EXISTS " + Identifiers.quote(s.stateSchema()) + " CASCADE");
            out.println("Dropped schema \"" + s.stateSchema() + "\" on the target.");
        } catch (SQLException e) {
            throw ServerErrors.during("dropping the state schema", "target", e);
        }
        if (s.inPlace() != null) {
            return InPlaceCleanup.run(s, yes, out);
        }
        return 0;
    }

    /** Never drops a slot of the same name on another server than the one the run was started from. */
    private static void requireSameSource(Connection c, RunInfo run) {
        String id;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
            rs.next();
            id = rs.getString(1);
        } catch (SQLException e) {
            return; // not allowed to read it: the slot name is all there is to go by
        }
        if (!id.equals(run.sourceSystemId())) {
            throw FerryException.usage("the run on the target was started from another source server (system identifier "
                    + run.sourceSystemId() + ", this one is " + id + "); pass that run's source as --source");
        }
    }

    /**
     * A terminated walsender takes a moment to release the slot, and a stream retrying its connection may take it
     * again meanwhile: with {@code force} that one is ended too.
     */
    private static void dropSlot(Connection c, String slot, boolean force) throws SQLException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                ps.setString(1, slot);
                ps.execute();
                return;
            } catch (SQLException e) {
                if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                    throw e;
                }
                if (force) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(active_pid) "
                            + "FROM pg_replication_slots WHERE slot_name = ? AND active_pid IS NOT NULL")) {
                        ps.setString(1, slot);
                        ps.execute();
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
