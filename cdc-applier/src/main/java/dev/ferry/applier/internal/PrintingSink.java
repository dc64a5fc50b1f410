package dev.ferry.applier.internal;

import dev.ferry.applier.debezium.TruncateOptions;
import dev.ferry.core.Lsn;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.RowChange;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TransformException;
import java.io.PrintWriter;

/** Prints what would be written, one line a change, and writes nothing: {@code ferry replay --dry-run}. */
public final class PrintingSink implements ChangeSink {
    private final PrintWriter out;
    private long changes;
    private long total;

    public PrintingSink(PrintWriter out) {
        this.out = out;
    }

    public long total() {
        return total;
    }

    @Override
    public void write(RowChange change) {
        changes++;
        out.println(switch (change.op()) {
            case INSERT -> "upsert   " + change.table() + " " + change.row().asMap();
            case UPDATE -> "update   " + change.table() + " " + change.row().asMap();
            case DELETE -> "delete   " + change.table() + " " + change.row().asMap();
            case TRUNCATE -> "truncate " + change.table();
        });
    }

    @Override
    public void truncate(TableId table, TruncateOptions options) {
        changes++;
        out.println("truncate " + table + options.sql().toLowerCase());
    }

    @Override
    public void writeKeyless(Op op, Row row, Row before) {
        changes++;
        out.println(op.name().toLowerCase() + "   " + row.table() + " " + (op == Op.DELETE ? before : row).asMap()
                + (op == Op.UPDATE ? " (was " + before.asMap() + ")" : ""));
    }

    @Override
    public void updateKey(Row oldKey, Row row) {
        changes++;
        out.println("update   " + row.table() + " key " + oldKey.identityOnly().asMap() + " -> " + row.asMap());
    }

    @Override
    public void deadLetter(TransformException e, Row row) {
        out.println("rejected " + e.getMessage());
    }

    @Override
    public void commit(Lsn lsn) {
        out.println("commit   " + lsn + " (" + changes + " change(s))");
        total += changes;
        changes = 0;
    }

    @Override
    public void rollback() {
        changes = 0;
    }

    @Override
    public boolean open() {
        return changes > 0;
    }

    @Override
    public long changes() {
        return changes;
    }

    @Override
    public void close() {
        out.flush();
    }
}
