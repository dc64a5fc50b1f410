package dev.ferry.applier;

import dev.ferry.applier.internal.ChangeLoop;
import dev.ferry.applier.internal.EngineSettings;
import dev.ferry.applier.internal.RetryPolicy;
import dev.ferry.applier.internal.StateOffsetStore;
import dev.ferry.applier.internal.PipelinedSink;
import dev.ferry.applier.internal.TargetWriter;
import dev.ferry.applier.journal.JournalWriter;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.JdbcLookup;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.Publication;
import dev.ferry.core.check.CaseOnlyColumns;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.core.state.Phase;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.StateStore;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ferry stream}: reads the run's slot with the embedded Debezium engine, from where the target stands,
 * and applies every change until {@link #stop()}. A lost connection to either server, or a conflict on the
 * target, restarts the engine after a pause ({@link RetryPolicy}): it resumes from the target's committed
 * position, so nothing is lost or doubled. A problem that needs a person (a change the target refuses, DDL on the
 * source, a failing transform, a lost slot, a value Debezium cannot read) stops it at once with one sentence.
 */
public final class Stream {
    private static final Logger LOG = LoggerFactory.getLogger(Stream.class);
    /** Source transactions that may share one target transaction (one commit and one fsync for all). */
    static final int SHARE_LIMIT = 500;

    private final StreamOptions options;
    private final StreamListener listener;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;

    public Stream(StreamOptions options, StreamListener listener) {
        this.options = options;
        this.listener = listener;
    }

    /** Asks a running stream to stop after the transaction it is applying; thread-safe. */
    public void stop() {
        stopping.set(true);
        DebeziumEngine<?> e = engine;
        if (e != null) {
            try {
                e.close();
            } catch (IOException | RuntimeException ignored) {
                // closing a failed engine throws; it is stopping either way
            }
        }
    }

    /**
     * Runs until {@link #stop()} or a failure that needs a person. A lost connection is retried with backoff, a
     * conflict on the target a few times ({@link RetryPolicy}); anything else stops at once, and its sentence is
     * recorded for {@code ferry status}.
     *
     * @throws FerryException with one sentence naming the table, the key where known, the source position and the
     *         fix; the position is kept, so the same command resumes after the fix
     */
    public void run() {
        RetryPolicy policy = new RetryPolicy();
        Lsn reached = null;
        while (true) {
            try {
                runOnce();
                return;
            } catch (RuntimeException e) {
                if (stopping.get()) {
                    return;
                }
                Lsn now = appliedOrNull();
                boolean progressed = now != null && reached != null && now.isAfter(reached);
                reached = now != null ? now : reached;
                RetryPolicy.Kind kind = RetryPolicy.classify(e);
                if (policy.next(kind, progressed) instanceof RetryPolicy.Retry r) {
                    listener.message((kind == RetryPolicy.Kind.CONFLICT ? "conflict on the target (" : "connection lost (")
                            + ServerErrors.firstLine(e) + "); " + (kind == RetryPolicy.Kind.CONFLICT ? "retrying"
                            : "reconnecting") + " in " + r.pause().toMillis() / 1000.0 + " s, attempt " + r.attempt()
                            + " of " + r.of());
                    pause(r.pause());
                    continue;
                }
                throw stopped(e, kind, now);
            }
        }
    }

    /** The failure as the one sentence the command ends with, recorded for {@code ferry status}. */
    private FerryException stopped(RuntimeException e, RetryPolicy.Kind kind, Lsn applied) {
        String at = applied == null ? "" : "at source position " + applied + ": ";
        FerryException out = switch (kind) {
            case LOST_CONNECTION -> new FerryException(ExitCode.SERVER, "the stream lost its connection "
                    + RetryPolicy.MAX_LOST + " times in a row " + at + ServerErrors.firstLine(e) + "; check both servers, "
                    + "then run the same command again (the position is kept)", e);
            case CONFLICT -> new FerryException(ExitCode.SERVER, "the stream stopped " + at + "the target reported a "
                    + "deadlock, serialization failure or lock timeout " + (RetryPolicy.MAX_CONFLICTS + 1) + " times in a "
                    + "row (" + e.getMessage() + "); find the session that holds locks on that table, then run the "
                    + "same command again (the position is kept)", e);
            case DETERMINISTIC -> e instanceof FerryException f
                    ? new FerryException(f.code(), "the stream stopped " + at + f.getMessage(), f)
                    : new FerryException(ExitCode.SERVER, "the stream stopped " + at + "Debezium could not read the "
                    + "source's changes (" + ServerErrors.firstLine(rootCause(e)) + "); fix what it names, then run the "
                    + "same command again (the position is kept; --verbose shows the details)", e);
        };
        recordStop(out.getMessage());
        return out;
    }

    private Lsn appliedOrNull() {
        try (StateStore store = openStore()) {
            return store.appliedLsn();
        } catch (RuntimeException e) {
            return null; // the target is unreachable: the failure says so
        }
    }

    private void recordStop(String reason) {
        try (StateStore store = openStore()) {
            store.recordStop(reason);
        } catch (RuntimeException ignored) {
            // the target is unreachable; the command's own output still says why it stopped
        }
    }

    private void pause(java.time.Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.set(true);
        }
    }

    /** Debezium's engine ended with an error of its own (it could not read or decode, or lost its connection). */
    static final class EngineFailure extends RuntimeException {
        EngineFailure(Throwable cause) {
            super(ServerErrors.firstLine(rootCause(cause)), cause);
        }
    }

    private void runOnce() {
        RunInfo run;
        Lsn applied;
        Map<TableId, Lsn> floors;
        try (StateStore store = openStore()) {
            run = store.run().orElseThrow(() -> new FerryException(ExitCode.USAGE, "there is no Ferry run on the target "
                    + options.target().address() + "; run \"ferry start\" (or \"ferry snapshot\") first"));
            if (run.phase() == Phase.SNAPSHOT || run.phase() == Phase.INDEXES) {
                throw new FerryException(ExitCode.USAGE, "the snapshot of this run has not finished; run \"ferry start\" "
                        + "(or \"ferry snapshot\") to finish it, then stream");
            }
            // Past the switch's protection the target belongs to the application: nothing may be applied over it.
            String sw = store.switchState().orElse("");
            if (run.phase() == Phase.SWITCHED || sw.equals("protected") || sw.equals("traffic") || sw.equals("done")) {
                throw new FerryException(ExitCode.USAGE, run.phase() == Phase.SWITCHED || sw.equals("done")
                        ? "this run was switched over to the target; there is nothing more to stream (run \"ferry "
                        + "cleanup\" once you are done)"
                        : "a switch of this run is past its fence (" + sw + "); finish it with \"ferry switch\" or undo it "
                        + "with \"ferry switch --abort\", then stream");
            }
            applied = store.appliedLsn();
            floors = store.tableFloors();
            store.recordStop(null);
        }
        requireSlot(run);
        String id = UUID.randomUUID().toString();
        StateOffsetStore.register(id, options.target(), options.stateSchema());
        // Held while the engine runs: a replay onto this target meanwhile would apply old changes over newer rows.
        try (StateStore applierLock = lockApplier();
             Connection lookupConnection = Db.open(options.source(), "source", "lookup");
             TargetWriter target = new TargetWriter(options.target(), options.stateSchema());
             // Apply on its own thread, pipelined with conversion (closed first: it stops before the target closes).
             PipelinedSink writer = new PipelinedSink(target);
             JournalWriter journal = options.journal() == null ? null : new JournalWriter(options.journal())) {
            Map<TableId, TableSchema> tables = sourceTables(lookupConnection, run);
            for (TableSchema t : tables.values()) {
                CaseOnlyColumns.problem(t).ifPresent(m -> {
                    throw new FerryException(ExitCode.USAGE, m);
                });
            }
            JdbcLookup lookup = new JdbcLookup(lookupConnection);
            TransformChain chain = options.transforms().apply(lookup);
            ChangeLoop loop = new ChangeLoop(tables, chain, lookup, writer, journal, options.onError(), applied, listener,
                    SHARE_LIMIT, floors, run.slot());
            CompletableFuture<Throwable> done = new CompletableFuture<>();
            engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                    .using(EngineSettings.of(options.source(), run, id, options.heartbeat().toMillis(),
                            tables.keySet()))
                    .notifying(loop)
                    .using((success, message, error) -> done.complete(success ? null
                            : error != null ? error : new IllegalStateException(message)))
                    .build();
            ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "debezium"));
            listener.message("streaming from slot \"" + run.slot() + "\" at " + applied);
            executor.submit(engine);
            Throwable error;
            try {
                error = done.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                error = e.getCause();
            } finally {
                executor.shutdown();
                awaitQuietly(executor);
            }
            if (loop.failure() instanceof ChangeLoop.SwitchedOver s) {
                stopping.set(true);
                listener.message("the run was switched over at " + s.fence() + "; the stream applied everything before "
                        + "the fence and stops");
                return;
            }
            if (loop.failure() != null) {
                throw loop.failure();
            }
            if (error != null && !stopping.get()) {
                requireSlot(run);
                throw new EngineFailure(error);
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the source catalog", "source", e);
        }
    }

    private StateStore lockApplier() {
        StateStore store = openStore();
        try {
            store.lockApplier("stream");
            return store;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private StateStore openStore() {
        return StateStore.openExisting(options.target(), options.stateSchema()).orElseThrow(() -> new FerryException(
                ExitCode.USAGE, "there is no Ferry run on the target " + options.target().address()
                + "; run \"ferry start\" (or \"ferry snapshot\") first"));
    }

    private void requireSlot(RunInfo run) {
        try (Connection c = Db.open(options.source(), "source", "stream");
             PreparedStatement ps = c.prepareStatement("SELECT wal_status FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, run.slot());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new FerryException(ExitCode.USAGE, "replication slot \"" + run.slot() + "\" no longer exists on "
                            + "the source, so changes since " + run.consistentLsn() + " cannot be read; the run must start "
                            + "over: run \"ferry cleanup\", then \"ferry start\"");
                }
                if ("lost".equals(rs.getString(1))) {
                    throw new FerryException(ExitCode.USAGE, "replication slot \"" + run.slot() + "\" was invalidated on the "
                            + "source (wal_status = lost: the WAL it needed was removed, see max_slot_wal_keep_size), so "
                            + "changes are missing; the run must start over: run \"ferry cleanup\", then \"ferry start\"");
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the replication slot", "source", e);
        }
    }

    private Map<TableId, TableSchema> sourceTables(Connection c, RunInfo run) throws SQLException {
        List<TableId> ids = Publication.tables(c, run.publication());
        if (ids.isEmpty()) {
            throw new FerryException(ExitCode.USAGE, "publication \"" + run.publication() + "\" on the source lists no "
                    + "tables (or was dropped); the run must start over: run \"ferry cleanup\", then \"ferry start\"");
        }
        Map<TableId, TableSchema> out = new LinkedHashMap<>();
        for (TableInfo t : new CatalogReader(c, options.stateSchema()).read(ids).tables().values()) {
            out.put(t.id(), t.schema());
        }
        return out;
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static void awaitQuietly(ExecutorService e) {
        try {
            e.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
