package dev.ferry.switchover.internal;

import dev.ferry.core.Queries;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The identity columns of an original, given back to the new table by the in-place swap. The shadow's columns
 * carry none (the identity's sequence belongs to the original and the stream copies its values), and the
 * original's identity sequence moves with it to {@code ferry_old}; the swap then adds the identity to the new
 * column ({@code ALWAYS} or {@code BY DEFAULT} as on the original, so {@code OVERRIDING} behaves the same) under the
 * original sequence's name and options, and sets it to the old sequence's state, read in the fence transaction
 * while writers are held: the first value it hands out is past every value the old one handed out.
 */
final class IdentityColumns {
    private IdentityColumns() {}

    /**
     * The statements that give {@code placed} (the new table, as named after the move) the identities of
     * {@code original}, whose sequences are in {@code oldSchema} by then; read before the move, while {@code shadow}
     * still has its shadow name.
     */
    static List<String> carry(Connection c, TableId original, TableId shadow, String placed, String oldSchema)
            throws SQLException {
        record Identity(String column, String generated, String sequence, String oldType, long increment, long min,
                        long max, long start, long cache, boolean cycle) {}
        List<Identity> found = Queries.rows(c, "SELECT quote_ident(a.attname), a.attidentity::text, s.relname, "
                + "format_type(q.seqtypid, NULL), q.seqincrement, q.seqmin, q.seqmax, q.seqstart, q.seqcache, q.seqcycle "
                + "FROM pg_attribute a JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid "
                + "AND d.refobjsubid = a.attnum AND d.classid = 'pg_class'::regclass AND d.deptype = 'i' "
                + "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_sequence q ON q.seqrelid = s.oid "
                + "WHERE a.attrelid = ?::regclass AND a.attidentity <> '' AND NOT a.attisdropped "
                // Only where the new table keeps the column with an integer type, which an identity needs: a column
                // a transform renamed, dropped or made non-integer is the transform's to fill.
                + "AND EXISTS (SELECT 1 FROM pg_attribute n WHERE n.attrelid = ?::regclass AND n.attname = a.attname "
                + "AND NOT n.attisdropped AND n.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)) "
                + "ORDER BY a.attnum",
                rs -> new Identity(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getBoolean(10)),
                original.quoted(), shadow.quoted());
        List<String> out = new ArrayList<>();
        for (Identity i : found) {
            String sequence = new TableId(original.schema(), i.sequence()).quoted();
            // Bounds that were the old type's defaults are left to the new column's type (int -> bigint widens them).
            long typeMax = switch (i.oldType()) {
                case "smallint" -> Short.MAX_VALUE;
                case "integer" -> Integer.MAX_VALUE;
                default -> Long.MAX_VALUE;
            };
            long typeMin = -typeMax - 1;
            boolean up = i.increment() > 0;
            String min = i.min() == (up ? 1 : typeMin) ? "NO MINVALUE" : "MINVALUE " + i.min();
            String max = i.max() == (up ? typeMax : -1) ? "NO MAXVALUE" : "MAXVALUE " + i.max();
            out.add("ALTER TABLE " + placed + " ALTER COLUMN " + i.column() + " ADD GENERATED "
                    + (i.generated().equals("a") ? "ALWAYS" : "BY DEFAULT") + " AS IDENTITY (SEQUENCE NAME " + sequence
                    + " START WITH " + i.start() + " INCREMENT BY " + i.increment() + ' ' + min + ' ' + max + " CACHE "
                    + i.cache() + (i.cycle() ? " CYCLE" : " NO CYCLE") + ')');
            out.add("SELECT setval(" + Identifiers.literal(sequence) + ", last_value, is_called) FROM "
                    + new TableId(oldSchema, i.sequence()).quoted());
        }
        return out;
    }
}
