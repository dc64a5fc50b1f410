package dev.ferry.switchover;

import static dev.ferry.switchover.SwitchState.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.Lsn;
import org.junit.jupiter.api.Test;

class SwitchStateTest {
    static final Lsn FENCE = new Lsn(1000);
    static final Lsn COMMIT = new Lsn(1100);

    @Test
    void storedNamesRoundTrip() {
        for (SwitchState s : values()) {
            assertEquals(s, parse(s.stored).orElseThrow());
        }
        assertTrue(parse("bogus").isEmpty());
    }

    @Test
    void aStartingSwitchFinishesOnlyWhatPassedProtectionAndUndoesTheRest() {
        assertEquals(Recovery.NONE, recovery(null, false));
        assertEquals(Recovery.NONE, recovery(ABORTED, false));
        assertEquals(Recovery.UNDO_THEN_SWITCH, recovery(ABORTED, true));
        assertEquals(Recovery.UNDO_THEN_SWITCH, recovery(FENCING, false));
        assertEquals(Recovery.UNDO_THEN_SWITCH, recovery(DRAINING, false));
        // killed between the source's commit and the target's record: the source knows
        assertEquals(Recovery.FINISH, recovery(DRAINING, true));
        assertEquals(Recovery.FINISH, recovery(PROTECTED, true));
        assertEquals(Recovery.FINISH, recovery(TRAFFIC, true));
        assertEquals(Recovery.FINISH, recovery(TRAFFIC, false));
        assertEquals(Recovery.ALREADY_DONE, recovery(DONE, true));
    }

    @Test
    void abortStopsAtTheTrafficStep() {
        assertTrue(undoable(FENCING));
        assertTrue(undoable(DRAINING));
        assertTrue(undoable(PROTECTED));
        assertFalse(undoable(TRAFFIC));
        assertFalse(undoable(DONE));
    }

    @Test
    void inPlaceAProtectedSourceIsSwappedSoItIsOnlyEverFinished() {
        // The swap commits with the protection: undoing it would open ferry_old to writes the new tables never get.
        assertEquals(Recovery.FINISH, recovery(DRAINING, true, true));
        assertEquals(Recovery.FINISH, recovery(PROTECTED, true, true));
        assertEquals(Recovery.FINISH, recovery(ABORTED, true, true));
        assertEquals(Recovery.FINISH, recovery(null, true, true));
        assertEquals(Recovery.ALREADY_DONE, recovery(DONE, true, true));
        // Before the commit nothing moved: undone as between two servers.
        assertEquals(Recovery.UNDO_THEN_SWITCH, recovery(DRAINING, false, true));
        assertEquals(Recovery.UNDO_THEN_SWITCH, recovery(FENCING, false, true));
        assertEquals(Recovery.NONE, recovery(null, false, true));
        assertTrue(undoable(DRAINING, false, true));
        assertTrue(undoable(FENCING, false, true));
        assertFalse(undoable(DRAINING, true, true));
        assertFalse(undoable(PROTECTED, true, true));
        assertFalse(undoable(null, true, true));
        // Between two servers a protected source is undone until the traffic step.
        assertTrue(undoable(PROTECTED, true, false));
        assertTrue(undoable(DRAINING, true, false));
        assertEquals(Recovery.UNDO_THEN_SWITCH, recovery(ABORTED, true, false));
    }

    @Test
    void statusShowsOneOfThreeStates() {
        assertEquals(Outcome.NOT_SWITCHED, outcome(null, false, false, false));
        assertEquals(Outcome.NOT_SWITCHED, outcome(ABORTED, false, false, true));
        assertEquals(Outcome.NOT_SWITCHED, outcome(DRAINING, false, false, false));
        assertEquals(Outcome.HELD, outcome(DRAINING, false, false, true));
        assertEquals(Outcome.HELD, outcome(DRAINING, false, true, false));
        assertEquals(Outcome.HELD, outcome(DRAINING, true, false, false));
        assertEquals(Outcome.HELD, outcome(PROTECTED, true, false, false));
        assertEquals(Outcome.HELD, outcome(TRAFFIC, true, false, false));
        assertEquals(Outcome.SWITCHED, outcome(DONE, true, false, false));
    }

    @Test
    void theStreamStopsOnlyOnceTrafficMovedAndContinuesAfterAnAbortOrADeadAttempt() {
        assertEquals(StreamDecision.STOP, atFence(TRAFFIC, FENCE, COMMIT, true, false));
        // A running traffic step may still be undone (PgBouncer could not be repointed): wait for its decision.
        assertEquals(StreamDecision.WAIT, atFence(TRAFFIC, FENCE, COMMIT, true, true));
        assertEquals(StreamDecision.STOP, atFence(DONE, FENCE, COMMIT, true, false));
        assertEquals(StreamDecision.WAIT, atFence(PROTECTED, FENCE, COMMIT, true, false));
        assertEquals(StreamDecision.WAIT, atFence(DRAINING, FENCE, COMMIT, false, true));
        assertEquals(StreamDecision.WAIT, atFence(DRAINING, FENCE, COMMIT, true, false));
        assertEquals(StreamDecision.CONTINUE, atFence(DRAINING, FENCE, COMMIT, false, false));
        assertEquals(StreamDecision.CONTINUE, atFence(ABORTED, FENCE, COMMIT, false, true));
        assertEquals(StreamDecision.WAIT, atFence(FENCING, null, COMMIT, false, true));
        assertEquals(StreamDecision.CONTINUE, atFence(FENCING, null, COMMIT, false, false));
        // an earlier attempt's message while a later attempt drains to its own fence
        assertEquals(StreamDecision.CONTINUE, atFence(DRAINING, new Lsn(2000), COMMIT, false, true));
    }
}
