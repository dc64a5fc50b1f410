package dev.ferry.switchover;

import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.SequenceInfo;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The one place that carries sequence values from source to target: after the snapshot (so a target is usable
 * for reads and tests) and in the switch's window (where it counts). Sequences are not replicated, so their values
 * are read from each sequence itself ({@code last_value}, {@code is_called}: {@code pg_sequences} shows NULL for a
 * sequence not yet called and for one the role may not read) and set on the target under the name the target
 * gave them: a stand-alone sequence keeps its source name; an identity sequence is found through its (renamed)
 * table's identity column.
 *
 * <p>Which sequences: those {@link dev.ferry.core.catalog.CatalogReader} lists for the migrated tables (owned by
 * a column, identity, or used by a column default), and the stand-alone ones of their schemas that no table uses
 * (functions or the application call them; the objects step creates them on the target).
 */
public final class Sequences {
    private Sequences() {}

    /** A sequence and the name it has on the target, with the target's bounds. */
    public record Mapped(SequenceInfo source, String target, long min, long max) {}

    /** A sequence Ferry cannot carry, and why, in words a user acts on. */
    public record Problem(TableId sequence, String reason) {
        @Override
        public String toString() {
            return sequence + " (" + reason + ")";
        }
    }

    /** What can be carried and what cannot. */
    public record Plan(List<Mapped> mapped, List<Problem> problems) {
        /** The problems not waved through by {@code --skip-sequence}; names may be qualified or bare. */
        public List<Problem> unskipped(Collection<String> skip) {
            return problems.stream().filter(p -> !skip.contains(p.sequence().toString())
                    && !skip.contains(p.sequence().name()) && !skip.contains(p.sequence().quoted())).toList();
        }

        /** This plan's sequences to carry followed by {@code other}'s; the problems stay this plan's. */
        public Plan and(Plan other) {
            List<Mapped> all = new ArrayList<>(mapped);
            all.addAll(other.mapped());
            return new Plan(List.copyOf(all), problems);
        }

        /** Only the sequences that {@code skip} does not name. */
        public Plan without(Collection<String> skip) {
            return new Plan(mapped.stream().filter(m -> !skip.contains(m.source().id().toString())
                    && !skip.contains(m.source().id().name()) && !skip.contains(m.source().id().quoted())).toList(),
                    problems);
        }
    }

    /** A value read on the source. */
    record Value(long lastValue, boolean called) {}

    /**
     * Maps each sequence to the target and checks it can be read on the source and that no table outside the
     * run uses it (it would hand out the same values on both servers).
     *
     * @param tables   each migrated table (source name) to its target name
     * @param migrated every relation of the run on the source, partitions included
     */
    public static Plan plan(Connection source, Connection target, List<SequenceInfo> sequences,
                            Map<TableId, TableId> tables, Set<TableId> migrated) {
        List<Mapped> mapped = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (SequenceInfo s : sequences) {
            try {
                read(source, s);
            } catch (SQLException e) {
                problems.add(new Problem(s.id(), "cannot be read on the source: " + ServerErrors.firstLine(e)
                        + ("42501".equals(e.getSQLState()) ? "; GRANT SELECT ON SEQUENCE " + s.id().quoted()
                        + " to Ferry's role" : "")));
                continue;
            }
            Set<String> others = otherUsers(source, s, migrated);
            if (!others.isEmpty()) {
                problems.add(new Problem(s.id(), "also used by " + String.join(", ", others) + ", which "
                        + (others.size() == 1 ? "is" : "are") + " not migrated: both servers would hand out the same "
                        + "values; migrate " + (others.size() == 1 ? "it" : "them") + " too, or give "
                        + (others.size() == 1 ? "it" : "them") + " a sequence of their own"));
                continue;
            }
            Mapped m = mapOnTarget(target, s, tables);
            if (m == null) {
                problems.add(new Problem(s.id(), "has no counterpart on the target"
                        + (s.identity() ? " (no identity column on " + tables.get(s.ownerTable()) + " matches "
                        + s.ownerColumn() + ")" : "")));
            } else {
                mapped.add(m);
            }
        }
        return new Plan(mapped, problems);
    }

    /**
     * Reads every mapped sequence on the source in one query and sets it on the target in one statement, moved
     * {@code margin} further in its direction and kept within the target's bounds. Only moves a target sequence
     * forward: after a traffic step the application may already have used it there. Returns how many sequences
     * are now at or past the source's value (those set and those already there).
     */
    public static int carry(Connection source, Connection target, List<Mapped> sequences, long margin) {
        if (sequences.isEmpty()) {
            return 0;
        }
        List<Value> values = readAll(source, sequences);
        Map<String, Long> onTarget = targetPositions(target, sequences);
        List<String> names = new ArrayList<>();
        List<Long> lasts = new ArrayList<>();
        List<Boolean> called = new ArrayList<>();
        int already = 0;
        for (int i = 0; i < sequences.size(); i++) {
            Mapped m = sequences.get(i);
            Value v = next(m, values.get(i), margin);
            long increment = m.source().increment();
            // The last value handed out (or, not yet called, the one before the next).
            long position = v.called() ? v.lastValue() : v.lastValue() - increment;
            Long current = onTarget.get(m.target());
            if (current != null && (increment > 0 ? current >= position : current <= position)) {
                already++;
                continue;
            }
            names.add(m.target());
            lasts.add(v.lastValue());
            called.add(v.called());
        }
        if (names.isEmpty()) {
            return already;
        }
        try (PreparedStatement ps = target.prepareStatement("SELECT count(setval(u.name::regclass, u.v, u.called)) "
                + "FROM unnest(?::text[], ?::int8[], ?::bool[]) AS u(name, v, called)")) {
            ps.setArray(1, target.createArrayOf("text", names.toArray()));
            ps.setArray(2, target.createArrayOf("int8", lasts.toArray()));
            ps.setArray(3, target.createArrayOf("bool", called.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return already + rs.getInt(1);
            }
        } catch (SQLException e) {
            throw ServerErrors.during("setting sequences", "target", e);
        }
    }

    /** Each target sequence's last value handed out, absent when it was never called. */
    private static Map<String, Long> targetPositions(Connection target, List<Mapped> sequences) {
        Map<String, Long> out = new java.util.HashMap<>();
        try (PreparedStatement ps = target.prepareStatement("SELECT u.name, pg_sequence_last_value(u.name::regclass) "
                + "FROM unnest(?::text[]) AS u(name)")) {
            ps.setArray(1, target.createArrayOf("text", sequences.stream().map(Mapped::target).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long v = rs.getLong(2);
                    if (!rs.wasNull()) {
                        out.put(rs.getString(1), v);
                    }
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading sequences", "target", e);
        }
        return out;
    }

    /**
     * The value to set on the target: the source's, moved {@code margin} in the sequence's direction (down for a
     * descending one), clamped to the target's bounds. {@code is_called} is kept, so the target's next value is
     * the source's next value (plus the margin).
     */
    static Value next(Mapped m, Value v, long margin) {
        boolean descending = m.source().increment() < 0;
        long moved;
        try {
            moved = descending ? Math.subtractExact(v.lastValue(), margin) : Math.addExact(v.lastValue(), margin);
        } catch (ArithmeticException overflow) {
            moved = descending ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        // Past a bound the sequence is exhausted (called at its last value) or has not begun (next is the bound).
        if (moved > m.max()) {
            return new Value(m.max(), !descending);
        }
        if (moved < m.min()) {
            return new Value(m.min(), descending);
        }
        return new Value(moved, v.called());
    }

    private static Value read(Connection source, SequenceInfo s) throws SQLException {
        try (Statement st = source.createStatement();
             ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM " + s.id().quoted())) {
            rs.next();
            return new Value(rs.getLong(1), rs.getBoolean(2));
        }
    }

    private static List<Value> readAll(Connection source, List<Mapped> sequences) {
        String sql = sequences.stream().map(m -> "SELECT last_value, is_called FROM " + m.source().id().quoted())
                .collect(Collectors.joining(" UNION ALL "));
        List<Value> out = new ArrayList<>(sequences.size());
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(new Value(rs.getLong(1), rs.getBoolean(2)));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading sequences", "source", e);
        }
        return out;
    }

    /** Tables outside the run whose column owns {@code s} or whose default calls it. */
    private static Set<String> otherUsers(Connection source, SequenceInfo s, Set<TableId> migrated) {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = source.prepareStatement("SELECT n.nspname, c.relname FROM pg_depend d "
                + "JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid "
                + "JOIN pg_class c ON c.oid = ad.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = ?::regclass "
                + "UNION SELECT n.nspname, c.relname FROM pg_depend d JOIN pg_class c ON c.oid = d.refobjid "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE d.classid = 'pg_class'::regclass "
                + "AND d.objid = ?::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')")) {
            ps.setString(1, s.id().quoted());
            ps.setString(2, s.id().quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TableId t = new TableId(rs.getString(1), rs.getString(2));
                    if (!migrated.contains(t)) {
                        out.add(t.toString());
                    }
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading which tables use sequence " + s.id(), "source", e);
        }
        return out;
    }

    /** The target's name for {@code s} and its bounds there, or null when the target has no such sequence. */
    private static Mapped mapOnTarget(Connection target, SequenceInfo s, Map<TableId, TableId> tables) {
        String name;
        try {
            if (s.identity()) {
                TableId table = tables.get(s.ownerTable());
                name = table == null ? null : identitySequence(target, table, s.ownerColumn());
            } else {
                name = s.id().quoted();
            }
            if (name == null) {
                return null;
            }
            try (PreparedStatement ps = target.prepareStatement("SELECT seqmin, seqmax FROM pg_sequence "
                    + "WHERE seqrelid = to_regclass(?)")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new Mapped(s, name, rs.getLong(1), rs.getLong(2)) : null;
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("finding sequence " + s.id() + " on the target", "target", e);
        }
    }

    /**
     * The sequence behind the target table's identity column: the one named like the source's column, else the
     * table's only identity column (a rename transform changed its name).
     */
    private static String identitySequence(Connection target, TableId table, String column) throws SQLException {
        List<String[]> identities = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement("SELECT a.attname, pg_get_serial_sequence(?, a.attname) "
                + "FROM pg_attribute a WHERE a.attrelid = to_regclass(?) AND a.attidentity <> '' AND NOT a.attisdropped")) {
            ps.setString(1, table.quoted());
            ps.setString(2, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    identities.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        for (String[] i : identities) {
            if (i[0].equals(column)) {
                return i[1];
            }
        }
        return identities.size() == 1 ? identities.get(0)[1] : null;
    }

    /** For messages: the names, comma separated. */
    public static String names(List<Problem> problems) {
        return problems.stream().map(Problem::toString).collect(Collectors.joining("; "));
    }
}
