package dev.ferry.cli;

import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.StateStore;
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
                "Asks first unless --yes; refuses while a stream reads the slot unless --force."})
final class CleanupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--force", description = "Also stop a stream that is still reading the slot.")
    boolean force;

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
        try (StateStore store = StateStore.openExisting(s.target(), s.stateSchema()).orElse(null)) {
            run = store == null ? Optional.empty() : store.run();
        }
        String slot = slotOption != null ? slotOption : run.map(RunInfo::slot).orElse("ferry_slot");
        String publication = publicationOption != null ? publicationOption : run.map(RunInfo::publication).orElse("ferry_pub");
        String plan = "drop replication slot \"" + slot + "\" and publication \"" + publication + "\" on "
                + s.source().address() + ", and schema \"" + s.stateSchema() + "\" on " + s.target().address();
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
                        dropSlot(c, slot);
                        out.println("Dropped replication slot \"" + slot + "\".");
                    } else {
                        out.println("No replication slot \"" + slot + "\" on the source.");
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("DROP PUBLICATION IF EXISTS " + Identifiers.quote(publication));
            }
            out.println("Dropped publication \"" + publication + "\" (if it existed).");
        } catch (SQLException e) {
            throw ServerErrors.during("dropping the slot and the publication", "source", e);
        }
        try (Connection c = Db.open(s.target(), "target", "cleanup"); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + Identifiers.quote(s.stateSchema()) + " CASCADE");
            out.println("Dropped schema \"" + s.stateSchema() + "\" on the target.");
        } catch (SQLException e) {
            throw ServerErrors.during("dropping the state schema", "target", e);
        }
        out.println("Note: triggers a lock-fence switch left on the source tables (ferry_moved) stay; they keep the old "
                + "tables write-protected.");
        return 0;
    }

    /** A terminated walsender takes a moment to release the slot. */
    private static void dropSlot(Connection c, String slot) throws SQLException {
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
