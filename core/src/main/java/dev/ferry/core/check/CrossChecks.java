package dev.ferry.core.check;

import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Checks that need both servers: types from extensions, and money's locale-dependent text form. */
final class CrossChecks {
    private CrossChecks() {}

    /**
     * Source and target must be two databases: copying a database onto itself would empty (--truncate-target) or
     * duplicate it. Two connections reach the same database when the postmaster start time, port and name agree.
     */
    static void distinct(Connection source, Connection target, List<Problem> out) throws SQLException {
        String sql = "SELECT pg_postmaster_start_time()::text || ' ' || coalesce(inet_server_port(), 0) || ' ' "
                + "|| current_database(), current_database()";
        Sql.RowReader<String[]> reader = rs -> new String[] {rs.getString(1), rs.getString(2)};
        String[] s = Sql.row(source, sql, reader);
        String[] t = Sql.row(target, sql, reader);
        if (s[0].equals(t[0])) {
            out.add(Problem.problem("same_database", "--source and --target lead to the same database \"" + s[1]
                    + "\" on the same server; point --target at the new server (or another database)"));
        }
    }

    /** A column built on an extension's type needs that extension in the target database. */
    static void extensions(List<ColumnType> types, Connection target, List<Problem> out) throws SQLException {
        Map<String, List<String>> byExtension = new LinkedHashMap<>();
        Map<String, String> typeOf = new LinkedHashMap<>();
        for (ColumnType t : types) {
            if (t.extension() != null) {
                List<String> cols = byExtension.computeIfAbsent(t.extension(), k -> new ArrayList<>());
                if (!cols.contains(t.columnName())) {
                    cols.add(t.columnName());
                }
                typeOf.putIfAbsent(t.extension(), t.schema() + "." + t.name());
            }
        }
        for (Map.Entry<String, List<String>> e : byExtension.entrySet()) {
            String ext = e.getKey();
            record Ext(boolean installed, boolean available) {}
            Ext x = Sql.row(target, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = ?), "
                    + "EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = ?)",
                    rs -> new Ext(rs.getBoolean(1), rs.getBoolean(2)), ext, ext);
            if (x.installed()) {
                continue;
            }
            String cols = "column" + (e.getValue().size() == 1 ? " " : "s ") + Sql.list(e.getValue(), 3);
            String what = cols + " on the source use" + (e.getValue().size() == 1 ? "s" : "") + " type "
                    + typeOf.get(ext) + " from extension " + ext;
            out.add(Problem.problem("extension", x.available()
                    ? what + ", which is not installed in the target database; run CREATE EXTENSION "
                            + Identifiers.quote(ext) + " on the target"
                    : what + ", which the target server does not have; install the extension's package on the "
                            + "target server, then run CREATE EXTENSION " + Identifiers.quote(ext) + " there"));
        }
    }

    /**
     * money prints with the server's lc_monetary (currency symbol, separators), and is read back the same way:
     * servers that print a sample differently would turn values into errors or different amounts.
     */
    static void money(List<ColumnType> types, Connection source, Connection target, List<Problem> out)
            throws SQLException {
        List<String> cols = types.stream().filter(t -> t.builtin("money")).map(ColumnType::columnName).distinct()
                .toList();
        if (cols.isEmpty()) {
            return;
        }
        String sql = "SELECT current_setting('lc_monetary'), (-1234.56)::numeric::money::text, current_database()";
        Sql.RowReader<String[]> reader = rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)};
        String[] s = Sql.row(source, sql, reader);
        String[] t = Sql.row(target, sql, reader);
        if (!s[1].equals(t[1])) {
            out.add(Problem.problem("lc_monetary", "column" + (cols.size() == 1 ? " " : "s ") + Sql.list(cols, 3)
                    + " on the source " + (cols.size() == 1 ? "is" : "are") + " of type money, which the servers "
                    + "write differently (source lc_monetary = " + s[0] + " gives " + s[1] + ", target lc_monetary = "
                    + t[0] + " gives " + t[1] + "); run ALTER DATABASE "
                    + Identifiers.quote(t[2]) + " SET lc_monetary = " + Identifiers.literal(s[0]) + " on the target"));
        }
    }
}
