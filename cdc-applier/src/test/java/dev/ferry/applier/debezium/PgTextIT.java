package dev.ferry.applier.debezium;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.applier.internal.EngineSettings;
import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Lsn;
import dev.ferry.core.state.Phase;
import dev.ferry.core.state.RunInfo;
import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import dev.ferry.transforms.TableId;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * Debezium, configured as Ferry runs it, hands over pgoutput's text, written under Ferry's pinned settings even
 * when the source database's defaults print values otherwise.
 */
class PgTextIT {

    @Test
    void valuesArriveAsPgoutputTextUnderTheSettingsFerryPins() throws Exception {
        try (PgServer s = Servers.source()) {
            s.execute("CREATE DATABASE hostile");
            s.execute("ALTER DATABASE hostile SET IntervalStyle = 'iso_8601'; ALTER DATABASE hostile SET bytea_output = "
                    + "'escape'; ALTER DATABASE hostile SET DateStyle = 'SQL, DMY'; ALTER DATABASE hostile SET TimeZone = "
                    + "'Asia/Tokyo'; ALTER DATABASE hostile SET extra_float_digits = 0");
            s.execute("hostile", "CREATE TABLE v (id int PRIMARY KEY, iv interval, b bytea, d date, ts timestamptz, "
                    + "f float8, tz timetz, a int[]);"
                    + "CREATE PUBLICATION ferry_pub FOR TABLE v");
            s.execute("hostile", "SELECT pg_create_logical_replication_slot('ferry_slot', 'pgoutput')");
            Properties p = EngineSettings.of(ConnectionSpec.of(s.host(), s.port(), "hostile", "postgres", ""),
                    new RunInfo("src", "1", "ferry_slot", "ferry_pub", Lsn.parse("0/0"), null, Phase.STREAMING, Instant.now()),
                    "unused", 10_000, List.of(new TableId("public", "v")));
            p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
            List<Struct> seen = new CopyOnWriteArrayList<>();
            DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                    .using(p).notifying((records, committer) -> {
                        for (RecordChangeEvent<SourceRecord> r : records) {
                            if (r.record().value() instanceof Struct v && v.schema().field("after") != null
                                    && v.getStruct("after") != null) {
                                seen.add(v.getStruct("after"));
                            }
                            committer.markProcessed(r);
                        }
                        committer.markBatchFinished();
                    }).build();
            ExecutorService ex = Executors.newSingleThreadExecutor();
            ex.submit(engine);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                int id = 0;
                while (seen.isEmpty() && System.nanoTime() < deadline) {
                    s.execute("hostile", "INSERT INTO v VALUES (" + id++ + ", '1 year 2 mons 3 days 04:05:06.5', '\\x0102ff', "
                            + "'2020-01-02', '2020-01-02 03:04:05+00', 0.1, '10:00+05', '[0:1]={1,2}')");
                    Thread.sleep(500);
                }
            } finally {
                engine.close();
                ex.shutdown();
            }
            Map<String, Object> after = new LinkedHashMap<>();
            for (Field f : seen.get(0).schema().fields()) {
                after.put(f.name(), seen.get(0).getWithoutDefault(f.name()));
            }
            after.remove("id");
            assertEquals(Map.of("iv", "1 year 2 mons 3 days 04:05:06.5", "b", "\\x0102ff", "d", "2020-01-02",
                    "ts", "2020-01-02 03:04:05+00", "f", "0.1", "tz", "10:00:00+05", "a", "[0:1]={1,2}"), after);
        }
    }
}
