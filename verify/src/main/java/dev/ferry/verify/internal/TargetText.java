package dev.ferry.verify.internal;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableSchema;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Puts transformed source values into the text the target prints for them, so they compare with the target's
 * own {@code ::text}. A transform's output is what the target is given, not what it stores: {@code jsonb}
 * normalises {@code {"b":1, "a":2}}, a {@code timestamptz} written with its offset ({@code 02:30+01}) prints in
 * UTC, {@code numeric(12,2)} pads {@code 12.5} to {@code 12.50}. So every value of a column whose type is not
 * plain text is cast by the target itself, a batch of a column's values in one round trip
 * ({@code unnest(?::text[])}), under the same pinned settings as the target's reads. A value the target cannot
 * take (the snapshot or the stream would have stopped on it) becomes a text no target value can equal.
 */
final class TargetText {
    /** Types whose text is the value itself: nothing to cast. */
    private static final Pattern PLAIN = Pattern.compile("text|character varying(\\(\\d+\\))?|name");
    /** Marks a value the target refused: PostgreSQL text never holds a NUL. */
    static final String REFUSED = "\u0000refused:";

    private final Side target;
    /** Column name to the target's type, for the columns whose values are cast. */
    private final Map<String, String> cast = new HashMap<>();

    /** @param targetTable the target table as its catalog describes it (types as {@code format_type} writes) */
    TargetText(Side target, TableSchema targetTable, List<String> compared) {
        this.target = target;
        for (Column c : targetTable.columns()) {
            if (compared.contains(c.name()) && !PLAIN.matcher(c.type()).matches()) {
                cast.put(c.name(), c.type());
            }
        }
    }

    /** The rows with each present value of a cast column replaced by the target's text of it. */
    List<Row> of(List<Row> rows) throws InterruptedException {
        if (cast.isEmpty() || rows.isEmpty()) {
            return rows;
        }
        List<Map<String, String>> replaced = new ArrayList<>(rows.size());
        rows.forEach(r -> replaced.add(new HashMap<>()));
        Connection c = target.workers.borrow();
        try {
            for (Map.Entry<String, String> col : cast.entrySet()) {
                List<Integer> at = new ArrayList<>();
                List<String> values = new ArrayList<>();
                for (int i = 0; i < rows.size(); i++) {
                    Row r = rows.get(i);
                    if (r.has(col.getKey()) && r.get(col.getKey()) != null) {
                        at.add(i);
                        values.add(r.get(col.getKey()));
                    }
                }
                List<String> text = castAll(c, col.getValue(), values);
                for (int k = 0; k < at.size(); k++) {
                    replaced.get(at.get(k)).put(col.getKey(), text.get(k));
                }
            }
        } finally {
            target.workers.release(c);
        }
        List<Row> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            out.add(replaced.get(i).isEmpty() ? rows.get(i) : rows.get(i).withAll(replaced.get(i)));
        }
        return out;
    }

    private List<String> castAll(Connection c, String type, List<String> values) {
        if (values.isEmpty()) {
            return values;
        }
        try {
            return castOnce(c, type, values);
        } catch (SQLException e) {
            if (!refusedValue(e)) {
                throw target.failure("converting values to " + type, e);
            }
            // One value spoils the batch: find it (them) one at a time.
            List<String> out = new ArrayList<>(values.size());
            for (String v : values) {
                try {
                    out.add(castOnce(c, type, List.of(v)).get(0));
                } catch (SQLException one) {
                    if (!refusedValue(one)) {
                        throw target.failure("converting values to " + type, one);
                    }
                    out.add(REFUSED + v);
                }
            }
            return out;
        }
    }

    private static List<String> castOnce(Connection c, String type, List<String> values) throws SQLException {
        // The type comes from the target's catalog (format_type), so it names a type that exists there.
        String sql = "SELECT (u.v)::" + type + "::text FROM unnest(?::text[]) WITH ORDINALITY AS u(v, i) ORDER BY u.i";
        Array array = c.createArrayOf("text", values.toArray());
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, array);
            List<String> out = new ArrayList<>(values.size());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } finally {
            array.free();
        }
    }

    /** Invalid input (class 22) or a domain's check (23514): the value's fault, not the server's. */
    private static boolean refusedValue(SQLException e) {
        String s = e.getSQLState();
        return s != null && (s.startsWith("22") || s.equals("23514"));
    }
}
