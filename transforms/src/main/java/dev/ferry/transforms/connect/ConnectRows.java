package dev.ferry.transforms.connect;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableSchema;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Reads the {@code before} or {@code after} image of a Debezium change into a {@link Row} of the source table.
 * Shared by the applier and the Kafka Connect transformation adapter.
 *
 * <p>The applier's Debezium runs with Ferry's pgoutput text (cdc-applier's {@code dev.ferry.applier.debezium}):
 * every value is the text PostgreSQL's pgoutput wrote, which is already the form a {@link Row} holds, so it
 * passes through untouched. A column missing from the image, or holding {@link #UNCHANGED}, is absent from the
 * row (not NULL): the target keeps the value it has.
 */
public final class ConnectRows {
    /**
     * Ferry's marker for an unchanged TOASTed column (pgoutput's 'u': the source did not send the value because
     * it did not change). Out of band: it is recognised by identity, never by its text, so a real value that
     * reads the same (or reads like Debezium's {@code __debezium_unavailable_value}) is applied as data.
     */
    @SuppressWarnings("StringOperationCanBeSimplified") // a distinct instance is the point
    public static final String UNCHANGED = new String("(unchanged TOAST value)");

    private ConnectRows() {}

    /**
     * A column the image lacks is absent from the row: changes made before a column was added on the source
     * (delivered after Ferry read the catalog) lack it, and are applied without it.
     *
     * @throws SchemaChangedException when the image has a column the table does not: one added on the source
     *         since Ferry read its catalog, which the target does not have yet
     */
    public static Row read(TableSchema table, Struct image) {
        Schema schema = image.schema();
        Map<String, String> values = new LinkedHashMap<>();
        for (Field f : schema.fields()) {
            Column c = table.column(f.name()).orElseThrow(() -> new SchemaChangedException(table,
                    "column \"" + f.name() + "\" appeared"));
            // Not get(): it answers a NULL with the column's default, and NULL must stay NULL.
            Object v = image.getWithoutDefault(f.name());
            if (v == UNCHANGED) {
                continue;
            }
            values.put(c.name(), text(v));
        }
        return Row.partial(table, values);
    }

    /** Debezium's {@code op} letter as a change kind; null for what is not a row change (e.g. {@code m}). */
    public static Op op(String letter) {
        return switch (letter) {
            case "c", "r" -> Op.INSERT;
            case "u" -> Op.UPDATE;
            case "d" -> Op.DELETE;
            case "t" -> Op.TRUNCATE;
            default -> null;
        };
    }

    /**
     * pgoutput's text as it is. Anything else comes only from a connector without Ferry's pgoutput text (the Kafka
     * Connect adapter over a stock Debezium): bytes become bytea's hex text; numbers, booleans and strings print
     * as PostgreSQL writes them; other types as the connector's value modes made them.
     */
    private static String text(Object v) {
        if (v == null || v instanceof String) {
            return (String) v;
        }
        if (v instanceof java.nio.ByteBuffer b) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            return "\\x" + java.util.HexFormat.of().formatHex(bytes);
        }
        return v instanceof byte[] a ? "\\x" + java.util.HexFormat.of().formatHex(a) : v.toString();
    }

    /** The table's columns changed on the source while Ferry streams it. */
    public static final class SchemaChangedException extends RuntimeException {
        private final transient TableSchema table;

        public SchemaChangedException(TableSchema table, String change) {
            super(change);
            this.table = table;
        }

        public TableSchema table() {
            return table;
        }
    }
}
