package dev.ferry.applier.internal;

import dev.ferry.applier.debezium.TruncateOptions;
import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.StateStore;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.RowChange;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes changes to the target inside one open transaction per source transaction (or several), in batches:
 * consecutive changes of one kind to one table become one multi-row statement of a fixed shape
 * ({@link UnnestStatements}: the target parses and plans it once, whatever the number of rows). Inserts and
 * complete updates are upserts and deletes tolerate a missing row, so changes replayed over newer copied rows
 * converge.
 * The session runs with {@code session_replication_role = replica}, as PostgreSQL's own apply worker does, so
 * target triggers and foreign-key checks do not fire. Not thread-safe.
 */
public final class TargetWriter implements ChangeSink {
    /**
     * Rows per statement. A statement has one array parameter per column whatever its rows, so the bound is the
     * statement's size in memory and in one round trip, not pgjdbc's 32767 parameters.
     */
    static final int MAX_BATCH = 1000;
    /** Keys held for coalescing before they are written (still inside the open transaction): bounds memory. */
    static final int MAX_KEYED = 20_000;

    private final Connection c;
    private final String stateSchema;
    private final DeadLetters deadLetters;
    private final List<Row> pending = new ArrayList<>();
    private final Set<List<String>> pendingKeys = new HashSet<>();
    private Kind pendingKind;
    private TableSchema pendingTable;
    private final KeyedBatch keyed = new KeyedBatch();
    private final Map<TableId, Boolean> reorderable = new HashMap<>();
    /**
     * Tables of consecutive TRUNCATE changes, truncated in one statement before anything else is written: Debezium
     * splits a source {@code TRUNCATE a, b} into one change per table, and tables linked by a foreign key can only
     * be truncated together (PostgreSQL checks that even under {@code session_replication_role = replica}).
     */
    private final java.util.LinkedHashSet<TableId> pendingTruncate = new java.util.LinkedHashSet<>();
    private TruncateOptions pendingTruncateOptions = TruncateOptions.NONE;
    private long changes;
    private boolean open;

    enum Kind { UPSERT, UPDATE_PRESENT, DELETE }

    public TargetWriter(ConnectionSpec target, String stateSchema) {
        this.c = Db.open(target, "target", "apply");
        this.stateSchema = stateSchema;
        this.deadLetters = new DeadLetters(stateSchema);
        try (Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            c.setAutoCommit(false);
        } catch (SQLException e) {
            throw ServerErrors.during("preparing the apply session (session_replication_role = replica needs a "
                    + "superuser or, from PostgreSQL 15, GRANT SET ON PARAMETER)", "target", e);
        }
    }

    @Override
    public long changes() {
        return changes;
    }

    @Override
    public boolean open() {
        return open;
    }

    @Override
    public void write(RowChange change) throws SQLException {
        if (change.op() == Op.TRUNCATE) {
            truncate(change.table(), TruncateOptions.NONE);
            return;
        }
        open = true;
        changes++;
        flushTruncate();
        Row row = change.row();
        TableSchema t = row.schema();
        if (!t.hasKey()) {
            flush();
            writeKeyless(change.op(), row, null);
            return;
        }
        // An insert is an upsert of the columns it has (an image older than a column added since lacks it); an
        // update lacking unchanged TOAST values updates only what it has.
        Kind kind = change.op() == Op.DELETE ? Kind.DELETE
                : change.op() == Op.INSERT || complete(row) ? Kind.UPSERT : Kind.UPDATE_PRESENT;
        List<String> key = keyValues(row);
        if (reorderable(t)) {
            keyed.add(kind, row, key);
            if (keyed.size() >= MAX_KEYED) {
                flushKeyed();
            }
            return;
        }
        if (kind != pendingKind || !t.id().equals(pendingTable == null ? null : pendingTable.id())
                || (kind != Kind.DELETE && !sameColumns(row)) || pendingKeys.contains(key)
                || pending.size() >= MAX_BATCH) {
            flush();
        }
        pendingKind = kind;
        pendingTable = t;
        pending.add(row);
        pendingKeys.add(key);
    }

    @Override
    public void truncate(TableId table, TruncateOptions options) throws SQLException {
        open = true;
        changes++;
        flushRows(); // rows written before it; the tables of TRUNCATEs just before it stay pending with it
        if (!options.equals(pendingTruncateOptions)) {
            flushTruncate();
            pendingTruncateOptions = options;
        }
        pendingTruncate.add(table);
    }

    /** A keyless table's change: rows matched on every column, compared as text (json, point lack =). */
    @Override
    public void writeKeyless(Op op, Row row, Row before) throws SQLException {
        flushTruncate();
        open = true;
        TableSchema t = row.schema();
        List<Column> cols = present(row);
        switch (op) {
            case INSERT -> insertPlain(t, List.of(row), cols);
            case DELETE, UPDATE -> {
                Row match = before != null ? before : row;
                List<Column> matchCols = present(match);
                // Both sides through the column type, then text: json and point lack "=", and the value's spelling
                // from the source need not match PostgreSQL's output form.
                String where = matchCols.stream().map(col -> col.quotedName() + "::text IS NOT DISTINCT FROM (?::"
                        + col.type() + ")::text")
                        .collect(Collectors.joining(" AND "));
                String target = "ctid = (SELECT ctid FROM " + t.id().quoted() + " WHERE " + where + " LIMIT 1)";
                String sql = op == Op.DELETE ? "DELETE FROM " + t.id().quoted() + " WHERE " + target
                        : "UPDATE " + t.id().quoted() + " SET " + cols.stream().map(col -> col.quotedName() + " = ?::"
                        + col.type()).collect(Collectors.joining(", ")) + " WHERE " + target;
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    int i = 1;
                    if (op == Op.UPDATE) {
                        for (Column col : cols) {
                            ps.setString(i++, row.get(col.name()));
                        }
                    }
                    for (Column col : matchCols) {
                        ps.setString(i++, match.get(col.name()));
                    }
                    ps.executeUpdate();
                }
            }
            default -> throw new IllegalArgumentException(op.name());
        }
    }

    /**
     * An update that changed the primary key: applied as an UPDATE of the key, so columns the source did not
     * send (unchanged TOAST values) keep their value. Falls back to an upsert when the old row is not there.
     */
    @Override
    public void updateKey(Row oldKey, Row row) throws SQLException {
        flush();
        open = true;
        changes++;
        TableSchema t = row.schema();
        List<Column> cols = present(row);
        String sql = "UPDATE " + t.id().quoted() + " SET " + cols.stream().map(col -> col.quotedName() + " = ?::"
                + col.type()).collect(Collectors.joining(", ")) + " WHERE " + keyCondition(t);
        java.sql.Savepoint before = c.setSavepoint();
        int updated;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            for (Column col : cols) {
                ps.setString(i++, row.get(col.name()));
            }
            for (String k : t.key()) {
                ps.setString(i++, oldKey.get(k));
            }
            updated = ps.executeUpdate();
            c.releaseSavepoint(before);
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState())) {
                throw e;
            }
            // Catching up over rows copied from a later snapshot: the new key is already there. The old key must
            // go, and the row at the new key takes the values this change carries.
            c.rollback(before);
            delete(t, List.of(oldKey));
            upsert(t, List.of(row), cols);
            return;
        }
        if (updated == 0) {
            upsert(t, List.of(row), cols);
        }
    }

    public void flush() throws SQLException {
        flushTruncate(); // pending only while no row is: a row written after a TRUNCATE flushes it first
        flushRows();
    }

    private void flushRows() throws SQLException {
        flushKeyed();
        if (pending.isEmpty()) {
            return;
        }
        TableSchema t = pendingTable;
        List<Row> rows = new ArrayList<>(pending);
        pending.clear();
        pendingKeys.clear();
        try {
            switch (pendingKind) {
                case UPSERT -> upsert(t, rows, present(rows.get(0)));
                case UPDATE_PRESENT -> updatePresent(t, rows);
                case DELETE -> delete(t, rows);
                default -> throw new IllegalStateException();
            }
        } catch (SQLException e) {
            throw TargetErrors.describe(e, t.id(), rows); // name the table and rows, not the statement that flushed them
        }
    }

    /** Commits everything written, together with the source position it reaches. */
    @Override
    public void commit(Lsn lsn) throws SQLException {
        flush();
        StateStore.recordApplied(c, stateSchema, 0, lsn, changes);
        c.commit();
        // Asked again in the next transaction: a unique index may be built between commits (the snapshot's
        // deferred ones once the stream passes their LSN, or one a person adds), and then order matters.
        reorderable.clear();
        changes = 0;
        open = false;
    }

    private void flushTruncate() throws SQLException {
        if (pendingTruncate.isEmpty()) {
            return;
        }
        String tables = pendingTruncate.stream().map(TableId::quoted).collect(Collectors.joining(", "));
        TableId first = pendingTruncate.iterator().next();
        pendingTruncate.clear();
        try (Statement s = c.createStatement()) {
            s.execute("TRUNCATE " + tables + pendingTruncateOptions.sql());
        } catch (SQLException e) {
            throw TargetErrors.describe(e, first, List.of());
        }
    }

    @Override
    public void rollback() {
        pendingTruncate.clear();
        keyed.drain();
        pending.clear();
        pendingKeys.clear();
        changes = 0;
        open = false;
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; the transaction went with it
        }
    }

    /** Writes the coalesced changes: per table its deletes, then its upserts and partial updates. */
    private void flushKeyed() throws SQLException {
        if (keyed.size() == 0) {
            return;
        }
        for (KeyedBatch.Groups g : keyed.drain().values()) {
            List<Row> any = !g.deletes().isEmpty() ? g.deletes()
                    : !g.upserts().isEmpty() ? g.upserts().values().iterator().next()
                    : g.updates().values().iterator().next();
            TableSchema t = any.get(0).schema();
            List<Row> current = List.of();
            try {
                for (List<Row> part : chunks(g.deletes(), MAX_BATCH)) {
                    current = part;
                    delete(t, part);
                }
                for (Map.Entry<List<Column>, List<Row>> e : g.upserts().entrySet()) {
                    for (List<Row> part : chunks(e.getValue(), MAX_BATCH)) {
                        current = part;
                        upsert(t, part, e.getKey());
                    }
                }
                for (List<Row> rows : g.updates().values()) {
                    current = rows;
                    updatePresent(t, rows);
                }
            } catch (SQLException e) {
                throw TargetErrors.describe(e, t.id(), current); // name the table and rows, not the commit
            }
        }
    }

    private static List<List<Row>> chunks(List<Row> rows, int size) {
        List<List<Row>> out = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += size) {
            out.add(rows.subList(from, Math.min(rows.size(), from + size)));
        }
        return out;
    }

    /**
     * True when the table's changes may be coalesced and written out of order: nothing but the primary key
     * relates its rows (no other unique index, no exclusion constraint), so no intermediate order can violate a
     * constraint. Asked once per table and target transaction.
     */
    private boolean reorderable(TableSchema t) throws SQLException {
        Boolean known = reorderable.get(t.id());
        if (known != null) {
            return known;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = "
                + "?::regclass AND ((indisunique AND NOT indisprimary) OR indisexclusion))")) {
            ps.setString(1, t.id().quoted());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                known = rs.getBoolean(1);
            }
        }
        reorderable.put(t.id(), known);
        return known;
    }

    private void upsert(TableSchema t, List<Row> rows, List<Column> cols) throws SQLException {
        execute(UnnestStatements.upsert(t, cols), rows, names(cols));
    }

    private void insertPlain(TableSchema t, List<Row> rows, List<Column> cols) throws SQLException {
        execute(UnnestStatements.insert(t, cols), rows, names(cols));
    }

    private void updatePresent(TableSchema t, List<Row> rows) throws SQLException {
        List<Column> cols = present(rows.get(0)).stream().filter(col -> !t.key().contains(col.name())).toList();
        if (cols.isEmpty()) {
            return;
        }
        List<String> params = new ArrayList<>(names(cols));
        params.addAll(t.key());
        for (List<Row> part : chunks(rows, MAX_BATCH)) {
            execute(UnnestStatements.update(t, cols), part, params);
        }
    }

    private void delete(TableSchema t, List<Row> rows) throws SQLException {
        execute(UnnestStatements.delete(t), rows, t.key());
    }

    /** Runs a statement of {@link UnnestStatements}: one text array per named column, one element per row. */
    private void execute(String sql, List<Row> rows, List<String> columns) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < columns.size(); i++) {
                String name = columns.get(i);
                String[] values = new String[rows.size()];
                for (int r = 0; r < values.length; r++) {
                    values[r] = rows.get(r).get(name);
                }
                ps.setArray(i + 1, c.createArrayOf("text", values));
            }
            ps.executeUpdate();
        }
    }

    private static List<String> names(List<Column> cols) {
        return cols.stream().map(Column::name).toList();
    }

    private static String keyCondition(TableSchema t) {
        return t.key().stream().map(k -> Identifiers.quote(k) + " = ?::" + t.column(k).orElseThrow().type())
                .collect(Collectors.joining(" AND "));
    }

    /** Columns the row carries that can be written (generated columns are the target's to compute). */
    static List<Column> present(Row row) {
        List<Column> out = new ArrayList<>();
        List<Column> all = row.schema().columns();
        for (int i = 0; i < all.size(); i++) {
            if (row.has(i) && !all.get(i).generated()) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    private static boolean complete(Row row) {
        List<Column> all = row.schema().columns();
        for (int i = 0; i < all.size(); i++) {
            if (!all.get(i).generated() && !row.has(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean sameColumns(Row row) {
        return pending.isEmpty() || present(pending.get(0)).equals(present(row));
    }

    private static List<String> keyValues(Row row) {
        List<String> names = row.schema().key();
        List<String> key = new ArrayList<>(names.size()); // one per change: not the default ten slots
        for (String k : names) {
            key.add(row.get(k));
        }
        return key;
    }

    /** A failed statement as one sentence, or as a connection loss or conflict the stream retries ({@link TargetErrors}). */
    public static RuntimeException describe(SQLException e, TableId table) {
        return TargetErrors.describe(e, table, List.of());
    }

    @Override
    public void deadLetter(dev.ferry.transforms.TransformException e, Row row) {
        deadLetters.add(c, e, row);
    }

    @Override
    public void close() {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing after a failure
        }
    }

    /** The target went away mid-transaction: the stream restarts from its last committed position. */
    public static final class TargetUnavailable extends RuntimeException {
        public TargetUnavailable(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * A deadlock, serialization failure or lock timeout on the target (SQLSTATE 40P01, 40001, 55P03): another
     * session's doing; the stream restarts from its last committed position a bounded number of times.
     */
    public static final class TargetConflict extends RuntimeException {
        public TargetConflict(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
