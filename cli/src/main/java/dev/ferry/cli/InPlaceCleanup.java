package dev.ferry.cli;

import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.inplace.InPlacePlan;
import dev.ferry.transforms.Identifiers;
import java.io.Console;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code cleanup --in-place}: after the run's slot, publication and state, the shadow schema (what an abandoned run
 * left) and, once asked, {@code ferry_old} with the original tables. Swapping them back by hand would lose every
 * write made since the swap, so they are only worth keeping until the new tables are trusted.
 */
final class InPlaceCleanup {
    private InPlaceCleanup() {}

    static int run(Settings s, boolean yes, PrintWriter out) {
        InPlacePlan plan = s.inPlace();
        try (Connection c = Db.open(s.source(), "source", "cleanup"); Statement st = c.createStatement()) {
            if (exists(st, plan.shadowSchema())) {
                boolean empty = tables(st, plan.shadowSchema()) == null;
                st.execute("DROP SCHEMA " + Identifiers.quote(plan.shadowSchema()) + " CASCADE");
                out.println("Dropped schema \"" + plan.shadowSchema() + "\"" + (empty ? "." : " with the shadow tables of "
                        + "a run that was not swapped."));
            }
            if (!exists(st, InPlacePlan.OLD_SCHEMA)) {
                return 0;
            }
            String tables = tables(st, InPlacePlan.OLD_SCHEMA);
            String what = "drop schema \"" + InPlacePlan.OLD_SCHEMA + "\" with the original tables (" + tables + "); "
                    + "they have taken no write since the swap, so they cannot be swapped back without losing those";
            if (!yes) {
                Console console = System.console();
                if (console == null) {
                    throw FerryException.usage("cleanup --in-place would " + what + "; pass --yes to confirm (there is "
                            + "no terminal to ask)");
                }
                String answer = console.readLine("This will %s. Continue? [y/N] ", what);
                if (answer == null || !answer.strip().equalsIgnoreCase("y")) {
                    out.println("Kept schema \"" + InPlacePlan.OLD_SCHEMA + "\".");
                    return ExitCode.PROBLEMS.status();
                }
            }
            st.execute("DROP SCHEMA " + Identifiers.quote(InPlacePlan.OLD_SCHEMA) + " CASCADE");
            out.println("Dropped schema \"" + InPlacePlan.OLD_SCHEMA + "\" (the original tables).");
            return 0;
        } catch (SQLException e) {
            throw ServerErrors.during("dropping the in-place schemas", "source", e);
        }
    }

    /** The schema's tables, comma-separated, or null when it has none. */
    private static String tables(Statement st, String schema) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT string_agg(c.relname, ', ' ORDER BY c.relname) FROM pg_class c "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = " + Identifiers.literal(schema)
                + " AND c.relkind IN ('r', 'p')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean exists(Statement st, String schema) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_namespace WHERE nspname = " + Identifiers.literal(schema))) {
            return rs.next();
        }
    }
}
