package dev.ferry.applier;

import dev.ferry.applier.internal.ChangeLoop;
import dev.ferry.applier.internal.EngineSettings;
import dev.ferry.applier.internal.StateOffsetStore;
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
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
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
 * and applies every change until {@link #stop()}. A lost connection to either server restarts the engine
 * after a backoff: it resumes from the target's committed position, so nothing is lost or doubled. A problem
 * that needs a person (DDL on the source, a failing transform, a lost slot) stops it with one sentence.
 */
public final class Stream {
    private static final Logger LOG = LoggerFactory.getLogger(Stream.class);
    static final int MAX_ATTEMPTS = 40;
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

    /** Runs until {@link #stop()} or a failure that needs a person. */
    public void run() {
        RetryConfig config = RetryConfig.<Void>custom()
                .maxAttempts(MAX_ATTEMPTS)
                .intervalFunction(IntervalFunction.ofExponentialBackoff(1000, 1.6, 30_000))
                .retryOnException(e -> e instanceof Interrupted && !stopping.get())
                .build();
        Retry retry = Retry.of("stream", config);
        retry.getEventPublisher().onRetry(e -> listener.message("connection lost (" + e.getLastThrowable().getMessage()
                + "); reconnecting in " + e.getWaitInterval().toMillis() / 1000.0 + " s, attempt "
                + e.getNumberOfRetryAttempts() + " of " + (MAX_ATTEMPTS - 1)));
        try {
            Retry.decorateRunnable(retry, this::runOnce).run();
        } catch (Interrupted e) {
            throw new FerryException(ExitCode.SERVER, "the stream lost its connection " + MAX_ATTEMPTS + " times in a row ("
                    + e.getMessage() + "); check both servers, then run the same command again (the position is kept)", e);
        }
    }

    /** A connection went away; the next attempt resumes from the target's committed position. */
    static final class Interrupted extends RuntimeException {
        Interrupted(String message, Throwable cause) {
            super(message, cause);
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
        } catch (FerryException e) {
            throw connectionLossOr(e);
        }
        requireSlot(run);
        String id = UUID.randomUUID().toString();
        StateOffsetStore.register(id, options.target(), options.stateSchema());
        try (Connection lookupConnection = Db.open(options.source(), "source", "lookup");
             TargetWriter writer = new TargetWriter(options.target(), options.stateSchema());
             JournalWriter journal = options.journal() == null ? null : new JournalWriter(options.journal())) {
            Map<TableId, TableSchema> tables = sourceTables(lookupConnection, run);
            JdbcLookup lookup = new JdbcLookup(lookupConnection);
            TransformChain chain = options.transforms().apply(lookup);
            ChangeLoop loop = new ChangeLoop(tables, chain, lookup, writer, journal, options.onError(), applied, listener,
                    SHARE_LIMIT, floors);
            CompletableFuture<Throwable> done = new CompletableFuture<>();
            engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                    .using(EngineSettings.of(options.source(), run, id, options.heartbeat().toMillis()))
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
                throw connectionLossOr(loop.failure());
            }
            if (error != null && !stopping.get()) {
                requireSlot(run);
                throw new Interrupted(ServerErrors.firstLine(rootCause(error)), error);
            }
        } catch (SQLException e) {
            throw connectionLossOr(ServerErrors.during("reading the source catalog", "source", e));
        } catch (FerryException e) {
            throw connectionLossOr(e);
        }
    }

    private StateStore openStore() {
        return StateStore.openExisting(options.target(), options.stateSchema()).orElseThrow(() -> new FerryException(
                ExitCode.USAGE, "there is no Ferry run on the target " + options.target().address()
                + "; run \"ferry start\" (or \"ferry snapshot\") first"));
    }

    /** Connection problems are retried; everything else stops the stream with its sentence. */
    private RuntimeException connectionLossOr(RuntimeException e) {
        if (e instanceof TargetWriter.TargetUnavailable || (e instanceof FerryException f && f.code() == ExitCode.SERVER
                && f.getCause() instanceof SQLException s && Db.isConnectionLoss(s))) {
            return new Interrupted(e.getMessage(), e);
        }
        return e;
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
            throw connectionLossOr(ServerErrors.during("reading the replication slot", "source", e));
        } catch (FerryException e) {
            throw connectionLossOr(e);
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
