package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.Phase;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.StateStore;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.Publication;
import dev.ferry.switchover.internal.HookCommand;
import dev.ferry.switchover.internal.SlotHealth;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The cut-over. Its progress is recorded in the state store at every step, so a killed switch is finished
 * (once the traffic step began) or undone (before that) by running it again. Nothing slow runs while writes
 * are held: the window holds only the fence message, the drain to it, the sequence copy and the traffic step.
 */
public final class Switchover {
    /** Switch states as stored; never renamed. */
    static final String FENCING = "fencing";
    static final String DRAINING = "draining";
    static final String TRAFFIC = "traffic";
    static final String DONE = "done";
    static final String ABORTED = "aborted";

    public record Options(Duration timeout, long sequenceMargin, String thenCommand, java.util.Set<String> skipSequences) {}

    public record Result(Lsn fence, long heldMillis, long drainMillis, int sequences) {}

    private final ConnectionSpec source;
    private final ConnectionSpec target;
    private final StateStore store;
    private final Fence fence;
    private final PrintWriter out;

    public Switchover(ConnectionSpec source, ConnectionSpec target, StateStore store, Fence fence, PrintWriter out) {
        this.source = source;
        this.target = target;
        this.store = store;
        this.fence = fence;
        this.out = out;
    }

    /** Undoes an unfinished switch, or finishes one whose traffic step had begun. Returns true when it acted. */
    public boolean recover(Options options) {
        String state = store.switchState().orElse(null);
        if (state == null || state.equals(DONE) || state.equals(ABORTED)) {
            return false;
        }
        if (state.equals(TRAFFIC)) {
            out.println("An earlier switch was stopped during its traffic step; finishing it.");
            trafficStep(options);
            store.setSwitchState(DONE, null, null);
            store.setPhase(Phase.SWITCHED);
            return true;
        }
        out.println("An earlier switch was stopped while writes were held (" + state + "); undoing it.");
        fence.recover();
        store.setSwitchState(ABORTED, null, null);
        return true;
    }

    /** {@code ferry switch --abort}. */
    public void abort() {
        String state = store.switchState().orElse(null);
        if (state == null || state.equals(ABORTED)) {
            out.println("No switch is under way; nothing to undo.");
            return;
        }
        if (state.equals(DONE) || state.equals(TRAFFIC)) {
            throw new FerryException(ExitCode.USAGE, "the switch already sent traffic to the target; it cannot be "
                    + "undone by Ferry (point the application back by hand if you must)");
        }
        fence.recover();
        store.setSwitchState(ABORTED, null, null);
        out.println("Switch undone: writes go to the source again.");
    }

    public Result run(Options options) {
        RunInfo run = store.run().orElseThrow(() -> new FerryException(ExitCode.USAGE, "there is no Ferry run on this "
                + "target; run \"ferry start\" first"));
        if (store.switchState().filter(DONE::equals).isPresent()) {
            throw new FerryException(ExitCode.USAGE, "this run was already switched over; nothing to do (run \"ferry "
                    + "cleanup\" to drop the slot and the state once you are done)");
        }
        if (run.phase() != Phase.STREAMING) {
            throw new FerryException(ExitCode.USAGE, "the run is in phase " + run.phase() + ", not streaming; wait for "
                    + "\"ferry start\" to finish its snapshot, then switch");
        }
        try (Connection c = Db.open(source, "source", "switch")) {
            SlotHealth.require(c, run.slot());
        } catch (SQLException e) {
            throw ServerErrors.during("reading the replication slot", "source", e);
        }
        validateForeignKeys();
        Sequences.Plan sequencePlan = planSequences(run, options.skipSequences());
        awaitSmallLag(run.slot(), options.timeout().dividedBy(2));
        long deadline = System.nanoTime() + options.timeout().toNanos();
        store.setSwitchState(FENCING, null, null);
        long t0 = System.nanoTime();
        try {
            fence.hold(options.timeout());
        } catch (RuntimeException e) {
            store.setSwitchState(ABORTED, null, null);
            throw e;
        }
        long held = System.nanoTime();
        Lsn fenceLsn;
        long drained;
        int sequences;
        try {
            fenceLsn = emitFence();
            store.setSwitchState(DRAINING, fenceLsn, null);
            awaitApplied(fenceLsn, deadline);
            drained = System.nanoTime();
            sequences = carrySequences(sequencePlan, options.sequenceMargin());
            if (store.appliedLsn().compareTo(fenceLsn) < 0) {
                throw FerryException.internal("the applied position moved back below the fence", null);
            }
        } catch (RuntimeException e) {
            fence.release();
            store.setSwitchState(ABORTED, null, null);
            throw e;
        }
        store.setSwitchState(TRAFFIC, null, null);
        trafficStep(options);
        long released = System.nanoTime();
        store.setSwitchState(DONE, null, "{\"held_ms\": " + TimeUnit.NANOSECONDS.toMillis(released - held) + "}");
        store.setPhase(Phase.SWITCHED);
        return new Result(fenceLsn, TimeUnit.NANOSECONDS.toMillis(released - held),
                TimeUnit.NANOSECONDS.toMillis(drained - held), sequences);
    }

    private int carrySequences(Sequences.Plan plan, long margin) {
        try (Connection s = Db.open(source, "source", "switch"); Connection t = Db.open(target, "target", "switch")) {
            return Sequences.carry(s, t, plan.mapped(), margin);
        } catch (SQLException e) {
            throw ServerErrors.during("setting sequences", "target", e);
        }
    }

    private void trafficStep(Options options) {
        if (options.thenCommand() != null) {
            HookCommand.run(options.thenCommand(), out);
        }
        fence.releaseToTarget();
    }

    /** Foreign keys were created NOT VALID; validating them is online but slow, so it happens before the fence. */
    private void validateForeignKeys() {
        int n = ForeignKeys.validateAll(target, store.schema(), m -> { });
        if (n > 0) {
            out.println("Validated " + n + " foreign key(s) on the target.");
        }
    }

    /** Maps every sequence of the migrated tables, refusing (before any write is held) those it cannot carry. */
    private Sequences.Plan planSequences(RunInfo run, java.util.Collection<String> skip) {
        try (Connection s = Db.open(source, "source", "switch"); Connection t = Db.open(target, "target", "switch")) {
            java.util.List<dev.ferry.transforms.TableId> relations = Publication.relations(s, run.publication());
            java.util.List<dev.ferry.core.catalog.SequenceInfo> sequences = new CatalogReader(s, store.schema())
                    .read(Publication.tables(s, run.publication())).sequences();
            Sequences.Plan plan = Sequences.plan(s, t, sequences, store.targetTables(), new java.util.HashSet<>(relations));
            java.util.List<Sequences.Problem> refused = plan.unskipped(skip);
            if (!refused.isEmpty()) {
                throw new FerryException(ExitCode.USAGE, "cannot carry " + refused.size() + " sequence(s) to the target: "
                        + Sequences.names(refused) + "; nothing was changed; fix them, or pass --skip-sequence NAME for "
                        + "each one you will set on the target yourself");
            }
            return plan.without(skip);
        } catch (SQLException e) {
            throw ServerErrors.during("reading the publication", "source", e);
        }
    }

    /** Bytes of source WAL the stream may still have to apply when the fence is taken. */
    static final long SMALL_LAG = 64 * 1024;

    /**
     * Waits, before holding any write, until the stream is nearly caught up: what is left to drain inside the
     * window is then a fraction of a second. Goes ahead anyway after {@code patience}.
     */
    private void awaitSmallLag(String slot, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        try (Connection c = Db.open(source, "source", "switch")) {
            while (System.nanoTime() < deadline) {
                // The slot's confirmed position passes only what the target committed: on a quiet source it is
                // the better evidence, since the stream records nothing while there is nothing to apply.
                SlotHealth.Reading r = SlotHealth.read(c, slot);
                if (r.current().bytesSince(Lsn.max(r.confirmed(), store.appliedLsn())) <= SMALL_LAG) {
                    return;
                }
                Thread.sleep(20);
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the source position", "source", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Lsn emitFence() {
        try (Connection c = Db.open(source, "source", "switch"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_logical_emit_message(true, 'ferry.fence', now()::text)::text")) {
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
}
