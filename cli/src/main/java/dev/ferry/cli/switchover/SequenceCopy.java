package dev.ferry.cli.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.StateStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies every sequence value from source to target. Sequences are not replicated, so this runs inside the
 * switch window, after writes are held: one query on each side, whatever the number of sequences.
 */
final class SequenceCopy {
    private SequenceCopy() {}

    record Value(String qualified, long lastValue, boolean called) {}

    static int copy(ConnectionSpec source, ConnectionSpec target, StateStore store, long margin) {
        List<Value> values = new ArrayList<>();
        try (Connection c = Db.open(source, "source", "switch"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT format('%I.%I', schemaname, sequencename), last_value "
                     + "FROM pg_sequences WHERE last_value IS NOT NULL AND schemaname <> "
                     + dev.ferry.transforms.Identifiers.literal(store.schema()))) {
            while (rs.next()) {
                values.add(new Value(rs.getString(1), rs.getLong(2), true));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading sequences", "source", e);
        }
        try (Connection c = Db.open(target, "target", "switch");
             PreparedStatement ps = c.prepareStatement("SELECT count(setval(q.seqrelid, least(u.v, q.seqmax), true)) "
                     + "FROM unnest(?::text[], ?::int8[]) AS u(name, v) JOIN pg_sequence q "
                     + "ON q.seqrelid = to_regclass(u.name)")) {
            ps.setArray(1, c.createArrayOf("text", values.stream().map(Value::qualified).toArray()));
            ps.setArray(2, c.createArrayOf("int8", values.stream().map(v -> v.lastValue() + margin).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        } catch (SQLException e) {
            throw ServerErrors.during("setting sequences", "target", e);
        }
        return values.size();
    }
}
