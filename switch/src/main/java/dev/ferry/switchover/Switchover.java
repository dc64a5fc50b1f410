package dev.ferry.switchover;

import static dev.ferry.switchover.SwitchState.ABORTED;
import static dev.ferry.switchover.SwitchState.DONE;
import static dev.ferry.switchover.SwitchState.DRAINING;
import static dev.ferry.switchover.SwitchState.FENCING;
import static dev.ferry.switchover.SwitchState.PROTECTED;
import static dev.ferry.switchover.SwitchState.TRAFFIC;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.Phase;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.StateStore;
import dev.ferry.switchover.internal.Blockers;
import dev.ferry.switchover.internal.HookCommand;
import dev.ferry.switchover.internal.SlotHealth;
import dev.ferry.switchover.internal.SourceProtection;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The cut-over, as the state machine of {@link SwitchState}: each step is recorded in the state store before it
 * is taken, so a switch killed at any moment is finished (once the source's protection is committed) or undone
 * (before that) by running it again. Nothing slow runs while writes are held: the window holds only the fence
 * message, the drain to it, the sequence values and the commit of the source's protection, which takes no lock
 * of its own ({@link SourceProtection}).
 */
public final class Switchover {
    /**
     * @param beforeFence checks of other parts that must hold before a fresh switch holds any write (e.g. the
     *                    deferred unique indexes are built); throws to refuse
     * @param afterDrain  steps of other parts once the stream applied everything up to the fence and before the
     *                    traffic step (the objects' trigger states); quick, since writes are held
     */
    public record Options(Duration timeout, long sequenceMargin, String thenCommand, Set<String> skipSequences,
                          Runnable beforeFence, Runnable afterDrain) {}

    /**
     * @param heldMillis -1 when this run only finished or confirmed an earlier switch
     * @param timings    the held window's steps, null when there was no window
     */
    public record Result(Lsn fence, long heldMillis, long drainMillis, int sequences, String note, Timings timings) {
        public Result(Lsn fence, long heldMillis, long drainMillis, int sequences, String note) {
            this(fence, heldMillis, drainMillis, sequences, note, null);
        }

        /** The held time without the user's {@code --then} command. */
        public long heldWithoutHookMillis() {
            return timings == null ? heldMillis : heldMillis - timings.millis(Timings.HOOK);
        }
    }

    private final ConnectionSpec source;
    private final ConnectionSpec target;
    private final StateStore store;
    private final Fence fence;
    private final MigratedTables tables;
    private final SourceProtection protection;
    private final PrintWriter out;

    public Switchover(ConnectionSpec source, ConnectionSpec target, StateStore store, Fence fence, MigratedTables tables,
                      PrintWriter out) {
        this.source = source;
        this.target = target;
        this.store = store;
        this.fence = fence;
        this.tables = tables;
        this.protection = new SourceProtection(store.schema(), tables.relations());
        this.out = out;
    }

    private SwitchState recorded() {
        return store.switchState().flatMap(SwitchState::parse).orElse(null);
    }

    private boolean sourceProtected() {
        try (Connection c = Db.open(source, "source", "switch")) {
            return protection.isProtected(c);
        } catch (SQLException e) {
            throw ServerErrors.during("reading the source's write protection", "source", e);
        }
    }

    private void record(SwitchState state, Lsn fenceLsn, String detail) {
        store.setSwitchState(state.stored, fenceLsn, detail);
    }

    /** {@code ferry switch}: finishes or undoes what an earlier one left, then switches. */
    public Result run(Options options) {
        SwitchState state = recorded();
        switch (SwitchState.recovery(state, sourceProtected(), fence.protectionIsFinal())) {
            case ALREADY_DONE -> {
                onSource(protection::protectAgain);
                fence.recover();
                return new Result(null, -1, -1, 0, "this run was already switched over; the source still refuses "
                        + "writes (run \"ferry cleanup\" once you are done)");
            }
            case FINISH -> {
                out.println("An earlier switch was stopped after the source was write-protected ("
                        + (state == null ? "nothing recorded" : state.stored) + "); finishing it.");
                out.flush();
                onSource(protection::protectAgain);
                int sequences = carrySequences(planSequences(options.skipSequences()), options.sequenceMargin());
                options.afterDrain().run();
                trafficStep(options, false, new Timings(System.nanoTime()));
                return new Result(null, -1, -1, sequences, "finished the interrupted switch");
            }
            case UNDO_THEN_SWITCH -> {
                out.println("An earlier switch was stopped before its traffic step (" + state.stored + "); undoing it "
                        + "first.");
                out.flush();
                undo();
            }
            case NONE -> { }
        }
        return fresh(options);
    }

    /** {@code ferry switch --abort}. Never fails for a state it cannot undo: it says so. */
    public String abort() {
        SwitchState state = recorded();
        boolean prot = sourceProtected();
        if ((state == null || state == ABORTED) && !prot) {
            fence.recover();
            return "No switch is under way; nothing to undo.";
        }
        if (!SwitchState.undoable(state, prot, fence.protectionIsFinal())) {
            return state == DONE ? "The run was switched over; Ferry cannot undo that (point the application back by "
                    + "hand, and lift the source's protection with DROP TRIGGER ferry_fence, if you must)."
                    : fence.protectionIsFinal() ? "The swap was committed (the originals are in ferry_old), so it "
                    + "cannot be undone; run \"ferry switch --in-place\" to finish it."
                    : "The switch's traffic step had begun, so it cannot be undone; run \"ferry switch\" to finish it.";
        }
        undo();
        return "Switch undone: writes go to the source again and the stream continues.";
    }

    /** Undo before the traffic step: the source first, so resumed clients meet a writable source. */
    private void undo() {
        onSource(protection::unprotect);
        fence.recover();
        record(ABORTED, null, null);
    }

    private Result fresh(Options options) {
        RunInfo run = store.run().orElseThrow(() -> new FerryException(ExitCode.USAGE, "there is no Ferry run on this "
                + "target; run \"ferry start\" first"));
        if (run.phase() != Phase.STREAMING) {
            throw new FerryException(ExitCode.USAGE, "the run is in phase " + run.phase() + ", not streaming; wait for "
                    + "\"ferry start\" to finish its snapshot, then switch");
        }
        onSource(c -> SlotHealth.require(c, run.slot(), READER_PATIENCE));
        options.beforeFence().run();
        refusePreparedTransactions();
        validateForeignKeys();
        Sequences.Plan sequencePlan = planSequences(options.skipSequences());
        try (Connection src = Db.open(source, "source", "switch"); Connection tgt = Db.open(target, "target", "switch")) {
            // Set once before the fence, so the window only moves them on by what was handed out meanwhile (and the
            // code path is warm); only forward, so harmless to the target the application does not use yet.
            carrySequences(src, tgt, sequencePlan, options.sequenceMargin());
            awaitSmallLag(src, run.slot(), options.timeout().dividedBy(2));
            return fenced(options, src, tgt, sequencePlan);
        } catch (SQLException e) {
            throw ServerErrors.during("closing the switch's connections", "source", e);
        }
    }

    /**
     * The held window, on connections opened beforehand (opening one costs a round trip or three): fence, fence
     * message, drain, sequences, the other parts' steps, protection, traffic step. Each is timed.
     */
    private Result fenced(Options options, Connection src, Connection tgt, Sequences.Plan sequencePlan) {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        record(FENCING, null, "{\"fence\": \"" + fence.name() + "\"}");
        Duration queued;
        try {
            queued = fence.hold(options.timeout());
        } catch (RuntimeException e) {
            record(ABORTED, null, null);
            throw e;
        }
        long held = System.nanoTime() - queued.toNanos();
        Timings timings = new Timings(held);
        timings.step("fence");
        Lsn fenceLsn;
        long drained;
        int sequences;
        try {
            fenceLsn = emitFence(src);
            record(DRAINING, fenceLsn, null);
            timings.step("fence message");
            awaitApplied(fenceLsn, deadline);
            drained = System.nanoTime();
            timings.step("drain");
            sequences = carrySequences(src, tgt, sequencePlan, options.sequenceMargin());
            timings.step("sequences");
            options.afterDrain().run();
            timings.step("objects");
            fence.protect(protection);
            timings.step("protect");
        } catch (RuntimeException e) {
            fence.release();
            undo();
            throw e;
        }
        record(PROTECTED, null, null);
        long released = trafficStep(options, true, timings);
        long heldMillis = TimeUnit.NANOSECONDS.toMillis(released - held);
        store.setSwitchState(DONE.stored, null, "{\"fence\": \"" + fence.name() + "\", \"held_ms\": " + heldMillis
                + ", \"hook_ms\": " + timings.millis(Timings.HOOK) + ", \"queued_ms\": " + queued.toMillis() + "}");
        return new Result(fenceLsn, heldMillis, TimeUnit.NANOSECONDS.toMillis(drained - held), sequences, null, timings);
    }

    /**
     * Sends the application to the target, then records DONE. Returns when writes were released.
     *
     * @param undoable true on the first pass: a PgBouncer step that failed before moving anyone is undone
     */
    private long trafficStep(Options options, boolean undoable, Timings timings) {
        record(TRAFFIC, null, null);
        try {
            fence.sendTraffic(() -> {
                timings.step("traffic step");
                if (options.thenCommand() != null) {
                    HookCommand.run(options.thenCommand(), out);
                }
                timings.step(Timings.HOOK);
            });
        } catch (Fence.NotMoved e) {
            if (undoable) {
                undo();
                throw new FerryException(ExitCode.PROBLEMS, "the PgBouncer step failed (" + e.getMessage() + "); "
                        + "PgBouncer was put back on the source, which takes writes again, and the stream continues; "
                        + "nothing was switched; fix it and run \"ferry switch\" again");
            }
            throw stillHeld(e);
        } catch (RuntimeException e) {
            throw stillHeld(e);
        }
        long released = System.nanoTime();
        timings.step("resume");
        record(DONE, null, null);
        store.setPhase(Phase.SWITCHED);
        return released;
    }

    private static FerryException stillHeld(RuntimeException e) {
        return new FerryException(ExitCode.PROBLEMS, "the traffic step failed: " + e.getMessage() + "; the source "
                + "refuses writes and the target has every change, so no write is lost, but the application is held; "
                + "fix it and run \"ferry switch\" again to finish (the --then command runs again)", e);
    }

    private void refusePreparedTransactions() {
        List<String> gids;
        try (Connection c = Db.open(source, "source", "switch")) {
            gids = Blockers.preparedTransactions(c, tables.relations());
        } catch (SQLException e) {
            throw ServerErrors.during("reading prepared transactions", "source", e);
        }
        if (!gids.isEmpty()) {
            throw new FerryException(ExitCode.USAGE, "prepared transaction(s) " + String.join(", ", gids) + " hold locks "
                    + "on migrated tables; the fence would wait for them and their COMMIT PREPARED would be a write after "
                    + "it; COMMIT PREPARED or ROLLBACK PREPARED them, then switch; nothing was changed");
        }
    }

    /** Foreign keys were created NOT VALID; validating them is online but slow, so it happens before the fence. */
    private void validateForeignKeys() {
        int n = ForeignKeys.validateAll(target, store.schema(), m -> { });
        if (n > 0) {
            out.println("Validated " + n + " foreign key(s) on the target.");
        }
    }

    /** Maps every sequence of the migrated tables, refusing (before any write is held) those it cannot carry. */
    private Sequences.Plan planSequences(Set<String> skip) {
        try (Connection s = Db.open(source, "source", "switch"); Connection t = Db.open(target, "target", "switch")) {
            Sequences.Plan plan = Sequences.plan(s, t, tables.sequences(s, store.schema()), store.targetTables(),
                    Set.copyOf(tables.relations()));
            List<Sequences.Problem> refused = plan.unskipped(skip);
            if (!refused.isEmpty()) {
                throw new FerryException(ExitCode.USAGE, "cannot carry " + refused.size() + " sequence(s) to the target: "
                        + Sequences.names(refused) + "; nothing was changed; fix them, or pass --skip-sequence NAME for "
                        + "each one you will set on the target yourself");
            }
            Sequences.Plan loose = Sequences.plan(s, t, tables.looseSequences(s, store.schema()), store.targetTables(),
                    Set.copyOf(tables.relations()));
            List<Sequences.Problem> named = loose.unskipped(skip);
            if (!named.isEmpty()) {
                out.println("Not setting " + named.size() + " sequence(s) no migrated table uses: "
                        + Sequences.names(named) + "; set them on the target yourself if the application needs them.");
                out.flush();
            }
            return plan.without(skip).and(loose.without(skip));
        } catch (SQLException e) {
            throw ServerErrors.during("reading sequences", "source", e);
        }
    }

    private int carrySequences(Sequences.Plan plan, long margin) {
        try (Connection s = Db.open(source, "source", "switch"); Connection t = Db.open(target, "target", "switch")) {
            return carrySequences(s, t, plan, margin);
        } catch (SQLException e) {
            throw ServerErrors.during("setting sequences", "target", e);
        }
    }

    private static int carrySequences(Connection s, Connection t, Sequences.Plan plan, long margin) {
        return Sequences.carry(s, t, plan.mapped(), margin);
    }

    /** Bytes of source WAL the stream may still have to apply when the fence is taken. */
    static final long SMALL_LAG = 64 * 1024;

    /** How long a slot may be without its reader before the switch says nothing streams: a reconnect's pause. */
    static final Duration READER_PATIENCE = Duration.ofSeconds(10);

    /**
     * Waits, before holding any write, until the stream is nearly caught up: what is left to drain inside the
     * window is then a fraction of a second. Goes ahead anyway after {@code patience}.
     */
    private void awaitSmallLag(Connection c, String slot, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                // The slot's confirmed position passes only what the target committed: on a quiet source it is
                // the better evidence, since the stream records nothing while there is nothing to apply.
                SlotHealth.Reading r = SlotHealth.read(c, slot);
                if (r.current().bytesSince(Lsn.max(r.confirmed(), store.appliedLsn())) <= SMALL_LAG) {
                    return;
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The stream recognises the fence by this prefix (heartbeats are logical messages too). */
    public static final String FENCE_PREFIX = "ferry.fence";

    private static Lsn emitFence(Connection c) {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_logical_emit_message(true, '" + FENCE_PREFIX + "', now()::text)::text")) {
            rs.next();
            return Lsn.parse(rs.getString(1));
        } catch (SQLException e) {
            throw ServerErrors.during("writing the fence message", "source", e);
        }
    }

    private void awaitApplied(Lsn fenceLsn, long deadline) {
        while (true) {
            Lsn applied = store.appliedLsn();
            if (applied.compareTo(fenceLsn) >= 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new FerryException(ExitCode.PROBLEMS, "the stream did not reach the fence within the timeout "
                        + "(applied " + applied + ", fence " + fenceLsn + ", " + fenceLsn.bytesSince(applied)
                        + " bytes behind); writes were released to the source and nothing changed; check \"ferry "
                        + "status\", then retry");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw FerryException.internal("interrupted while draining", e);
            }
        }
    }

    private interface SourceStep {
        void run(Connection c);
    }

    private void onSource(SourceStep step) {
        try (Connection c = Db.open(source, "source", "switch")) {
            step.run(c);
        } catch (SQLException e) {
            throw ServerErrors.during("connecting for the switch", "source", e);
        }
    }
}
