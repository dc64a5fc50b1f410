package dev.ferry.applier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import dev.ferry.transforms.connect.FerryTransformation;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transforms as a Kafka Connect SMT, configured the Kafka Connect way, over real Debezium records. */
class KafkaConnectTransformationIT {

    @Test
    void debeziumRecordsComeOutRenamedMaskedAndFiltered(@TempDir Path dir) throws Exception {
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
                  - type: mask
                    table: public.clients
                    column: card
                    keep_last: 4
                  - type: filter
                    table: public.clients
                    where: country != 'XX'
                """);
        try (PgServer s = Servers.source()) {
            s.execute("CREATE TABLE customers (id int PRIMARY KEY, mail text, card text, country text);"
                    + "CREATE TABLE untouched (id int PRIMARY KEY, v text);"
                    + "CREATE PUBLICATION ferry_pub FOR TABLE customers, untouched");
            s.execute("SELECT pg_create_logical_replication_slot('ferry_slot', 'pgoutput')");
            Properties p = new Properties();
            p.setProperty("name", "smt-test");
            p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
            p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
            p.setProperty("offset.flush.interval.ms", "0");
            p.setProperty("database.hostname", s.host());
            p.setProperty("database.port", String.valueOf(s.port()));
            p.setProperty("database.user", "postgres");
            p.setProperty("database.password", "");
            p.setProperty("database.dbname", "postgres");
            p.setProperty("topic.prefix", "shop");
            p.setProperty("plugin.name", "pgoutput");
            p.setProperty("slot.name", "ferry_slot");
            p.setProperty("publication.name", "ferry_pub");
            p.setProperty("publication.autocreate.mode", "disabled");
            p.setProperty("snapshot.mode", "no_data");
            p.setProperty("column.propagate.source.type", ".*");
            p.setProperty("transforms", "ferry");
            p.setProperty("transforms.ferry.type", FerryTransformation.class.getName());
            p.setProperty("transforms.ferry.config", config.toString());
            List<SourceRecord> seen = new CopyOnWriteArrayList<>();
            DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                    .using(p).notifying((records, committer) -> {
                        for (RecordChangeEvent<SourceRecord> r : records) {
                            if (r.record() != null && r.record().topic().startsWith("shop.public")) {
                                seen.add(r.record());
                            }
                            committer.markProcessed(r);
                        }
                        committer.markBatchFinished();
                    }).build();
            ExecutorService ex = Executors.newSingleThreadExecutor();
            ex.submit(engine);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                // Wait until the engine streams (a record of the untouched table arrives), then change customers.
                int n = 0;
                while (seen.isEmpty() && System.nanoTime() < deadline) {
                    s.execute("INSERT INTO untouched VALUES (" + n++ + ", 'x')");
                    Thread.sleep(300);
                }
                s.execute("INSERT INTO customers VALUES (1, 'a@example.com', '4111111111111111', 'DE'), "
                        + "(2, 'b@example.com', '5500000000000004', 'XX')");
                while (seen.stream().noneMatch(r -> r.topic().equals("shop.public.clients")) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                Thread.sleep(500);
            } finally {
                engine.close();
                ex.shutdown();
            }
            List<SourceRecord> clients = seen.stream().filter(r -> r.topic().equals("shop.public.clients")).toList();
            assertEquals(1, clients.size(), "the XX row is filtered out; got " + seen);
            Struct after = ((Struct) clients.get(0).value()).getStruct("after");
            assertEquals("a@example.com", after.getString("email"));
            assertEquals("************1111", after.getString("card"));
            assertNull(after.schema().field("mail"));
            assertEquals("1", ((Struct) clients.get(0).key()).getString("id"));
            assertEquals(0, seen.stream().filter(r -> r.topic().equals("shop.public.customers")).count());
        }
    }
}
