package dev.ferry.applier.internal;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.StateStore;
import dev.ferry.transforms.TableId;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Debezium's own ceiling, for {@code bench/stream-drain.sh}: the engine exactly as {@code ferry stream} runs it
 * ({@link EngineSettings}, the run's slot, the offset Ferry stored) feeding a consumer that only counts change
 * records, until the first change of a given table (the benchmark's marker row). It confirms nothing, so the
 * slot and Ferry's stored position stay where they were and {@code ferry stream} drains the same backlog after it.
 * Not a Ferry command: run it as {@code java -cp ferry.jar dev.ferry.applier.internal.CountingDrain SOURCE_URI
 * TARGET_URI UNTIL_TABLE [STATE_SCHEMA]}. Prints {@code first} when the first record arrives, then one line:
 * {@code changes=N first_ms=M drain_ms=D}, where
 * {@code first_ms} is the time from start to the first record and {@code drain_ms} from the first record to the
 * marker. It then stays until stopped (SIGTERM).
 */
public final class CountingDrain {
    private CountingDrain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: CountingDrain SOURCE_URI TARGET_URI UNTIL_TABLE [STATE_SCHEMA]");
            System.exit(2);
        }
        ConnectionSpec source = ConnectionSpec.parse(args[0]);
        ConnectionSpec target = ConnectionSpec.parse(args[1]);
        String until = args[2];
        String schema = args.length > 3 ? args[3] : "ferry";
        RunInfo run;
        List<TableId> tables;
        try (StateStore store = StateStore.open(target, schema)) {
            run = store.run().orElseThrow(() -> new IllegalStateException("no Ferry run on the target"));
            tables = new ArrayList<>(store.targetTables().keySet());
        }
        String id = UUID.randomUUID().toString();
        StateOffsetStore.register(id, target, schema);
        long started = System.nanoTime();
        long[] first = {0};
        long[] changes = {0};
        CompletableFuture<Long> reached = new CompletableFuture<>();
        DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(EngineSettings.of(source, run, id, 5_000, tables))
                .notifying((records, committer) -> {
                    if (first[0] == 0 && !records.isEmpty()) {
                        first[0] = System.nanoTime();
                        Thread.currentThread().setName(ChangeLoop.CONVERT_THREAD); // as in the stream, for the CPU split
                        System.out.println("first");
                        System.out.flush();
                    }
                    for (RecordChangeEvent<SourceRecord> event : records) {
                        if (event.record().value() instanceof Struct v && v.schema().field("op") != null
                                && v.schema().field("source") != null) {
                            changes[0]++;
                            if (until.equals(v.getStruct("source").getString("table"))) {
                                reached.complete(System.nanoTime());
                            }
                        }
                    }
                })
                .using((success, message, error) -> reached.completeExceptionally(
                        error != null ? error : new IllegalStateException(String.valueOf(message))))
                .build();
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "debezium"));
        executor.submit(engine);
        long end = reached.get();
        System.out.println("changes=" + changes[0] + " first_ms=" + (first[0] - started) / 1_000_000
                + " drain_ms=" + (end - first[0]) / 1_000_000);
        System.out.flush();
        // Stays until stopped (SIGTERM), so that the benchmark reads its threads' CPU while they still exist.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                engine.close();
                executor.shutdown();
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // stopping either way
            }
        }));
        Thread.currentThread().join();
    }
}
