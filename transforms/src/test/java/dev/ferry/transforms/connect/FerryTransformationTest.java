package dev.ferry.transforms.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FerryTransformationTest {

    static SourceRecord record(String country) {
        Schema row = SchemaBuilder.struct().optional()
                .field("id", SchemaBuilder.int32().parameter("__debezium.source.column.type", "INT4").build())
                .field("mail", SchemaBuilder.string().optional().parameter("__debezium.source.column.type", "TEXT").build())
                .field("country", SchemaBuilder.string().optional().parameter("__debezium.source.column.type", "TEXT")
                        .build()).build();
        Schema source = SchemaBuilder.struct().field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA).build();
        Schema envelope = SchemaBuilder.struct().field("before", row).field("after", row).field("source", source)
                .field("op", Schema.STRING_SCHEMA).build();
        Schema keySchema = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
        Struct value = new Struct(envelope).put("after", new Struct(row).put("id", 1).put("mail", "a@x").put("country", country))
                .put("source", new Struct(source).put("schema", "public").put("table", "customers")).put("op", "c");
        return new SourceRecord(Map.of(), Map.of(), "shop.public.customers", null, keySchema,
                new Struct(keySchema).put("id", 1), envelope, value);
    }

    @Test
    void renamesFiltersAndRetopicsADebeziumRecord(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("ferry.yml");
        Files.writeString(config, """
                transforms:
                  - type: rename-table
                    table: public.customers
                    to: clients
                  - type: rename-column
                    table: public.clients
                    column: mail
                    to: email
                  - type: filter
                    table: public.clients
                    where: country != 'XX'
                """);
        try (FerryTransformation<SourceRecord> t = new FerryTransformation<>()) {
            t.configure(Map.of(FerryTransformation.CONFIG, config.toString()));
            SourceRecord out = t.apply(record("DE"));
            assertEquals("shop.public.clients", out.topic());
            assertEquals("a@x", ((Struct) out.value()).getStruct("after").getString("email"));
            assertNull(t.apply(record("XX")));
        }
    }
}
