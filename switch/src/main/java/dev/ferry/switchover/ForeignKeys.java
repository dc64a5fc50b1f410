package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.ddl.DdlWriter;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one place that validates the constraints the snapshot added {@code NOT VALID} (foreign keys) on the tables
 * of the run. Each validation scans its table under a SHARE UPDATE EXCLUSIVE lock, so the stream keeps writing
 * meanwhile. The snapshot's {@code validateConstraints} and the switch (before it holds any write) both call it.
 */
public final class ForeignKeys {
    private ForeignKeys() {}

    /** Returns how many constraints were validated. */
    public static int validateAll(ConnectionSpec target, String stateSchema, Consumer<String> report) {
        try (Connection c = Db.open(target, "target", "validate"); Statement st = c.createStatement()) {
            List<String[]> pending = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT n.nspname, r.relname, k.conname FROM pg_constraint k "
                    + "JOIN pg_class r ON r.oid = k.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace "
                    + "JOIN " + Identifiers.quote(stateSchema) + ".tables t ON t.target_schema = n.nspname "
                    + "AND t.target_name = r.relname WHERE NOT k.convalidated ORDER BY 1, 2, 3")) {
                while (rs.next()) {
                    pending.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            for (String[] p : pending) {
                TableId table = new TableId(p[0], p[1]);
                report.accept("validating constraint " + p[2] + " of " + table);
                try {
                    st.execute(DdlWriter.validate(table, p[2]));
                } catch (SQLException e) {
                    throw ServerErrors.during("validating constraint " + p[2] + " of " + table
                            + " (rows on the target break it)", "target", e);
                }
            }
            return pending.size();
        } catch (SQLException e) {
            throw ServerErrors.during("reading constraints to validate", "target", e);
        }
    }
}
