package dev.ferry.transforms.connect;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Reads the {@code before} or {@code after} image of a Debezium change into a {@link Row} of the source table.
 * Shared by the applier and the Kafka Connect transformation adapter.
 *
 * <p>A column missing from the image, or holding Debezium's unchanged-TOAST placeholder, is absent from the
 * row (not NULL): the target keeps the value it has.
 */
public final class ConnectRows {
    /** What Debezium sends for a TOASTed value the source did not send because it did not change. */
    public static final String UNAVAILABLE = "__debezium_unavailable_value";

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
            if (isUnavailable(v)) {
                continue;
            }
            values.put(c.name(), TextValues.toText(v, c));
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

    private static boolean isUnavailable(Object v) {
        if (UNAVAILABLE.equals(v)) {
            return true;
        }
        if (v instanceof List<?> list && list.size() == 1 && UNAVAILABLE.equals(list.get(0))) {
            return true;
        }
        return v instanceof java.nio.ByteBuffer b && b.remaining() == UNAVAILABLE.length()
                && UNAVAILABLE.equals(new String(b.duplicate().array(), b.position(), b.remaining(),
                java.nio.charset.StandardCharsets.UTF_8));
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
