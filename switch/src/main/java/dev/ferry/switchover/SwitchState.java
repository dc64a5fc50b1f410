package dev.ferry.switchover;

import dev.ferry.core.Lsn;
import java.util.Arrays;
import java.util.Optional;

/**
 * The switch's progress as recorded in the state store ({@code switch.state}), and the decisions every party takes
 * from it: the switch when it starts again, {@code --abort}, {@code ferry status} and the stream when it meets the
 * fence. The second fact they all read is whether the source's protection is committed ({@code protectedSource}):
 * the switch commits it on the source before it records {@link #PROTECTED} on the target, so after a kill between
 * the two the source is the one that knows.
 *
 * <pre>
 *   (none|ABORTED|DONE-of-an-earlier-run) -> FENCING -> DRAINING -> PROTECTED -> TRAFFIC -> DONE
 *                        FENCING | DRAINING | PROTECTED -> ABORTED   (undo: release, resume, unprotect)
 * </pre>
 * In place the protection commits with the swap, so there a protected source is past the point of no return: it is
 * finished, never undone (the {@code protectionIsFinal} overloads).
 */
public enum SwitchState {
    /** Taking the fence; nothing held yet or being held. */
    FENCING("fencing"),
    /** Writes held, the fence message written, the stream draining to it; sequences carried at the end. */
    DRAINING("draining"),
    /** The source refuses writes (committed); the traffic step has not begun, so it can still be undone. */
    PROTECTED("protected"),
    /** The traffic step began (hook, PgBouncer): from here the switch is only finished, never undone. */
    TRAFFIC("traffic"),
    DONE("done"),
    ABORTED("aborted");

    /** As stored; never renamed. */
    public final String stored;

    SwitchState(String stored) {
        this.stored = stored;
    }

    public static Optional<SwitchState> parse(String stored) {
        return Arrays.stream(values()).filter(s -> s.stored.equals(stored)).findFirst();
    }

    /** The three states a user sees. */
    public enum Outcome { NOT_SWITCHED, HELD, SWITCHED }

    /** What a starting switch does about the recorded state first. */
    public enum Recovery {
        /** Nothing unfinished: switch. */
        NONE,
        /** An attempt died before anything irreversible: undo what it left (PgBouncer paused, protection), switch. */
        UNDO_THEN_SWITCH,
        /** The traffic step began, or the source is protected: finish it (protect again, traffic step, done). */
        FINISH,
        /** Already switched: make sure the source is still protected and PgBouncer resumed; report it. */
        ALREADY_DONE
    }

    /** What the stream does after applying a transaction that held a fence message. */
    public enum StreamDecision { WAIT, CONTINUE, STOP }

    /**
     * @param state             null when no switch was ever recorded
     * @param protectionIsFinal the protection's commit is the switch itself (in place: the swap commits with it), so
     *                          a protected source is only ever finished: undoing it would open the old tables to
     *                          writes that the new ones never get
     */
    public static Recovery recovery(SwitchState state, boolean protectedSource, boolean protectionIsFinal) {
        if (protectionIsFinal && protectedSource && state != DONE) {
            return Recovery.FINISH;
        }
        return recovery(state, protectedSource);
    }

    /** @param state null when no switch was ever recorded */
    public static Recovery recovery(SwitchState state, boolean protectedSource) {
        if (state == null || state == ABORTED) {
            return protectedSource ? Recovery.UNDO_THEN_SWITCH : Recovery.NONE;
        }
        return switch (state) {
            case DONE -> Recovery.ALREADY_DONE;
            case TRAFFIC, PROTECTED -> Recovery.FINISH;
            case DRAINING -> protectedSource ? Recovery.FINISH : Recovery.UNDO_THEN_SWITCH;
            case FENCING -> Recovery.UNDO_THEN_SWITCH;
            case ABORTED -> throw new IllegalStateException();
        };
    }

    /** True when {@code ferry switch --abort} may undo this state (the traffic step has not begun). */
    public static boolean undoable(SwitchState state) {
        return state != TRAFFIC && state != DONE;
    }

    /**
     * As {@link #undoable(SwitchState)}, and never once the source is protected when that protection is final
     * ({@link #recovery(SwitchState, boolean, boolean)}).
     */
    public static boolean undoable(SwitchState state, boolean protectedSource, boolean protectionIsFinal) {
        if (protectionIsFinal && (protectedSource || state == PROTECTED)) {
            return false;
        }
        return undoable(state);
    }

    /**
     * What {@code status} reports.
     *
     * @param switchRunning a switch process holds the state store now
     * @param pgbouncer     the attempt fenced with PgBouncer (a dead one may have left it paused)
     */
    public static Outcome outcome(SwitchState state, boolean protectedSource, boolean switchRunning, boolean pgbouncer) {
        if (state == DONE) {
            return Outcome.SWITCHED;
        }
        if (state == null || state == ABORTED) {
            return protectedSource ? Outcome.HELD : Outcome.NOT_SWITCHED;
        }
        if (state == TRAFFIC || state == PROTECTED || protectedSource || switchRunning || pgbouncer) {
            return Outcome.HELD;
        }
        // A lock-fenced attempt that died before protecting: its locks died with it, the stream goes on.
        return Outcome.NOT_SWITCHED;
    }

    /**
     * The stream's decision at a fence message committed at {@code commit}.
     *
     * @param fence the fence LSN recorded for the current attempt, or null
     */
    public static StreamDecision atFence(SwitchState state, Lsn fence, Lsn commit, boolean protectedSource,
                                         boolean switchRunning) {
        if (state == ABORTED) {
            return StreamDecision.CONTINUE; // an attempt records FENCING before it writes its message
        }
        if (state == null || state == FENCING) {
            // FENCING: the attempt has not recorded its fence LSN yet (it may be this message) or never will.
            return switchRunning ? StreamDecision.WAIT : StreamDecision.CONTINUE;
        }
        if (fence == null || fence.isAfter(commit)) {
            return StreamDecision.CONTINUE; // an earlier attempt's message
        }
        return switch (state) {
            case DONE -> StreamDecision.STOP;
            // A running traffic step is undone when PgBouncer cannot be repointed: its switch decides. A stopped
            // one is only ever finished.
            case TRAFFIC -> switchRunning ? StreamDecision.WAIT : StreamDecision.STOP;
            case PROTECTED -> StreamDecision.WAIT;
            case DRAINING -> protectedSource || switchRunning ? StreamDecision.WAIT : StreamDecision.CONTINUE;
            default -> StreamDecision.CONTINUE;
        };
    }
}
