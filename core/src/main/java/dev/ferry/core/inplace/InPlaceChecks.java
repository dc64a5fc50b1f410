package dev.ferry.core.inplace;

import dev.ferry.core.Queries;
import dev.ferry.core.check.Problem;
import dev.ferry.transforms.TableId;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code check --in-place} adds: the tables rebuilt and why, the space the rebuild takes, and what in the
 * database the rebuild or the swap would surprise (other consumers' publications, row types).
 * Partitioned tables are refused earlier, by the plan.
 */
public final class InPlaceChecks {
    private InPlaceChecks() {}

    public static List<Problem> run(Connection c, InPlacePlan plan) throws SQLException {
        List<Problem> out = new ArrayList<>();
        for (Map.Entry<TableId, TableId> e : plan.shadows().entrySet()) {
            String why = plan.referencing().get(e.getKey());
            out.add(Problem.info("in_place_rebuilt", "table " + e.getKey() + " is rebuilt as " + e.getValue()
                    + (why == null ? " (a transform reshapes it)" : " (" + why + "; pass --keep-references to leave it)")));
        }
        for (String kept : plan.kept()) {
            out.add(Problem.warning("in_place_reference_kept", "kept as it is (--keep-references): " + kept
                    + "; its rows cannot take parent ids beyond the column's range"));
        }
        Array tables = c.createArrayOf("text", plan.rebuilt().stream().map(TableId::quoted).toArray());
        space(c, tables, out);
        Queries.rows(c, "SELECT quote_ident(pubname) FROM pg_publication WHERE puballtables", rs -> out.add(
                Problem.warning("in_place_publication", "publication " + rs.getString(1) + " is FOR ALL TABLES: it "
                        + "will also publish the shadow tables in " + plan.shadowSchema() + " and every write Ferry makes "
                        + "to them; its subscribers receive those rows too (limit it to named tables first)")));
        Queries.rows(c, "SELECT quote_ident(p.pubname), n.nspname FROM pg_publication p "
                + "JOIN pg_publication_namespace s ON s.pnpubid = p.oid JOIN pg_namespace n ON n.oid = s.pnnspid "
                + "WHERE n.nspname IN (?, ?)", rs -> out.add(Problem.warning("in_place_publication", "publication "
                + rs.getString(1) + " publishes TABLES IN SCHEMA " + rs.getString(2) + ", which Ferry fills during the "
                + "run: its subscribers would receive those tables")), plan.shadowSchema(), InPlacePlan.OLD_SCHEMA);
        Queries.rows(c, "SELECT t.x, a.attrelid::regclass::text || '.' || quote_ident(a.attname) FROM unnest(?::text[]) t(x) "
                + "JOIN pg_class r ON r.oid = t.x::regclass JOIN pg_attribute a ON a.atttypid = r.reltype "
                + "AND NOT a.attisdropped", rs -> out.add(Problem.warning("in_place_row_type", "column " + rs.getString(2)
                + " uses the row type of " + rs.getString(1) + ", which stays with the original table in "
                + InPlacePlan.OLD_SCHEMA + " after the swap; change it to the new table's type yourself")), tables);
        Queries.rows(c, "SELECT t.x, p.oid::regprocedure::text FROM unnest(?::text[]) t(x) "
                + "JOIN pg_class r ON r.oid = t.x::regclass JOIN pg_proc p ON p.prorettype = r.reltype "
                + "OR r.reltype = ANY (p.proargtypes)", rs -> out.add(Problem.warning("in_place_row_type", "function "
                + rs.getString(2) + " uses the row type of " + rs.getString(1) + ", which stays with the original "
                + "table after the swap; recreate it for the new table yourself")), tables);
        return out;
    }

    /**
     * The shadow tables and their indexes take about what the originals take (more where columns widen), the copy
     * writes about as much WAL again, and the slot retains the WAL of every write meanwhile. PostgreSQL does not
     * report free disk space over SQL, so the figures are given for the user to compare with {@code df}.
     */
    private static void space(Connection c, Array tables, List<Problem> out) throws SQLException {
        long[] sizes = Queries.rows(c, "SELECT coalesce(sum(pg_total_relation_size(x::regclass)), 0)::int8, "
                + "(SELECT setting::int8 FROM pg_settings WHERE name = 'max_slot_wal_keep_size') "
                + "FROM unnest(?::text[]) x", rs -> new long[] {rs.getLong(1), rs.getLong(2)}, tables).get(0);
        long need = 2 * sizes[0];
        out.add(Problem.warning("in_place_space", "the rebuild needs about " + human(need) + " of free space in the "
                + "source's data directory: " + human(sizes[0]) + " for the shadow tables and their indexes (as large as "
                + "the originals, more where columns widen), about " + human(sizes[0]) + " of WAL for their copy, plus the "
                + "WAL of every write made during the run, which the slot retains until the stream confirms it; check "
                + "the free space with df on the server"));
        if (sizes[1] >= 0 && sizes[1] * 1024 * 1024 < need) {
            out.add(Problem.warning("in_place_wal_keep", "max_slot_wal_keep_size is " + human(sizes[1] * 1024 * 1024)
                    + ", less than the WAL the copy alone writes (about " + human(sizes[0]) + "): the server may drop "
                    + "the run's slot while the copy runs; raise it (ALTER SYSTEM SET max_slot_wal_keep_size = -1) "
                    + "for the run"));
        }
    }

    static String human(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
