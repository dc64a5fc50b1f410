package dev.ferry.transforms.connect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.RowChange;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.config.TransformConfig;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Ferry's transforms as a Kafka Connect single-message transformation over Debezium PostgreSQL change records,
 * configured with the same {@code transforms:} list as ferry.yml ({@code config} = the path of such a file).
 *
 * <pre>
 *   transforms=ferry
 *   transforms.ferry.type=dev.ferry.transforms.connect.FerryTransformation
 *   transforms.ferry.config=/etc/ferry/ferry.yml
 * </pre>
 *
 * A record of a table no transform touches passes unchanged. Otherwise its before/after images become
 * {@link Row}s (text form), go through the chain, and come back as all-text images of the target table, on the
 * topic of the table's new name. A row a filter drops drops the record. Kafka Connect transformations are one
 * record in, at most one out: when a change implies several (a key change under a filter), the last one, the
 * row's final state, is emitted. Set the connector's {@code column.propagate.source.type} so column types are
 * known; without it every column is treated as text. No lookups: {@code enrich} needs Ferry itself.
 */
public final class FerryTransformation<R extends ConnectRecord<R>> implements Transformation<R> {
    public static final String CONFIG = "config";
    static final String SOURCE_TYPE = "__debezium.source.column.type";

    private TransformChain chain = TransformChain.identity();

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        Object path = configs.get(CONFIG);
        if (path == null) {
            throw new ConfigException(CONFIG, null, "the path of a file with a transforms: list (ferry.yml)");
        }
        try {
            Map<String, Object> file = new ObjectMapper(new YAMLFactory()).readValue(new File(path.toString()), Map.class);
            chain = TransformConfig.build((List<Map<String, Object>>) file.get("transforms"));
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(CONFIG, path, e.getMessage());
        }
    }

    @Override
    public R apply(R record) {
        if (!(record.value() instanceof Struct value) || value.schema().field("op") == null
                || value.schema().field("source") == null) {
            return record; // tombstones, heartbeats, transaction markers
        }
        Struct source = value.getStruct("source");
        TableId table = new TableId(source.getString("schema"), source.getString("table"));
        if (chain.passesThrough(table)) {
            return record;
        }
        Op op = ConnectRows.op(value.getString("op"));
        if (op == null) {
            return record;
        }
        Struct beforeImage = value.getStruct("before");
        Struct afterImage = value.getStruct("after");
        TableSchema schema = schemaOf(table, afterImage != null ? afterImage : beforeImage, record.keySchema());
        List<RowChange> changes = op == Op.TRUNCATE ? chain.truncate(schema) : chain.applyChange(op,
                beforeImage == null ? null : ConnectRows.read(schema, beforeImage),
                afterImage == null ? null : ConnectRows.read(schema, afterImage));
        if (changes.isEmpty()) {
            return null;
        }
        RowChange last = changes.get(changes.size() - 1);
        return rebuild(record, value, last);
    }

    /** The table's shape as the record shows it; PostgreSQL types from the propagated source types. */
    static TableSchema schemaOf(TableId table, Struct image, Schema keySchema) {
        List<Column> columns = new ArrayList<>();
        if (image != null) {
            for (Field f : image.schema().fields()) {
                Map<String, String> params = f.schema().parameters();
                String type = params != null && params.get(SOURCE_TYPE) != null
                        ? sqlType(params.get(SOURCE_TYPE).toLowerCase(java.util.Locale.ROOT)) : "text";
                columns.add(Column.of(f.name(), type));
            }
        }
        List<String> key = new ArrayList<>();
        if (keySchema != null && keySchema.type() == Schema.Type.STRUCT) {
            keySchema.fields().forEach(f -> key.add(f.name()));
        }
        return new TableSchema(table, columns, key);
    }

    /** Debezium propagates internal type names ({@code int4}, {@code _text}); Ferry speaks format_type's. */
    static String sqlType(String internal) {
        if (internal.startsWith("_")) {
            return sqlType(internal.substring(1)) + "[]";
        }
        return switch (internal) {
            case "timestamptz" -> "timestamp with time zone";
            case "timestamp" -> "timestamp without time zone";
            case "timetz" -> "time with time zone";
            case "time" -> "time without time zone";
            case "varbit" -> "bit varying";
            case "int2" -> "smallint";
            case "int4" -> "integer";
            case "int8" -> "bigint";
            case "bool" -> "boolean";
            default -> internal;
        };
    }

    private R rebuild(R record, Struct value, RowChange change) {
        TableSchema target = change.row() == null ? null : change.row().schema();
        SchemaBuilder rowSchema = SchemaBuilder.struct().name(change.table() + ".Value").optional();
        if (target != null) {
            target.columns().forEach(c -> rowSchema.field(c.name(), Schema.OPTIONAL_STRING_SCHEMA));
        }
        Schema image = rowSchema.build();
        Schema envelope = SchemaBuilder.struct().name(change.table() + ".Envelope")
                .field("before", image).field("after", image)
                .field("source", value.schema().field("source").schema())
                .field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).build();
        Struct out = new Struct(envelope).put("source", value.getStruct("source")).put("op", switch (change.op()) {
            case INSERT -> "c";
            case UPDATE -> "u";
            case DELETE -> "d";
            case TRUNCATE -> "t";
        });
        if (value.schema().field("ts_ms") != null) {
            out.put("ts_ms", value.get("ts_ms"));
        }
        if (change.row() != null) {
            out.put(change.op() == Op.DELETE ? "before" : "after", image(image, change.row()));
        }
        Schema keySchema = null;
        Struct key = null;
        if (target != null && target.hasKey()) {
            SchemaBuilder kb = SchemaBuilder.struct().name(change.table() + ".Key");
            target.key().forEach(k -> kb.field(k, Schema.OPTIONAL_STRING_SCHEMA));
            keySchema = kb.build();
            key = new Struct(keySchema);
            for (String k : target.key()) {
                key.put(k, change.row().has(k) ? change.row().get(k) : null);
            }
        }
        return record.newRecord(topicFor(record.topic(), change.table()), record.kafkaPartition(), keySchema, key,
                envelope, out, record.timestamp(), record.headers());
    }

    private static Struct image(Schema schema, Row row) {
        Struct s = new Struct(schema);
        row.asMap().forEach(s::put);
        return s;
    }

    /** {@code prefix.schema.table} with the table's new name. */
    static String topicFor(String topic, TableId table) {
        String[] parts = topic.split("\\.");
        String prefix = parts.length >= 3 ? String.join(".", java.util.Arrays.copyOf(parts, parts.length - 2)) : topic;
        return prefix + "." + table.schema() + "." + table.name();
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef().define(CONFIG, ConfigDef.Type.STRING, ConfigDef.Importance.HIGH,
                "Path of a file with a transforms: list, as in ferry.yml.");
    }

    @Override
    public void close() {
        chain = TransformChain.identity();
    }
}
