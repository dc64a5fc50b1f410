package dev.ferry.switchover;

import static dev.ferry.switchover.SourceCleanup.Decision.DROP;
import static dev.ferry.switchover.SourceCleanup.Decision.KEEP_SWITCHED;
import static dev.ferry.switchover.SourceCleanup.Decision.REFUSE_UNFINISHED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SourceCleanupTest {
    @Test
    void leftoversOfAnUndoneOrNeverFinishedSwitchAreDropped() {
        assertEquals(DROP, SourceCleanup.decide(null, false, false));
        assertEquals(DROP, SourceCleanup.decide(SwitchState.ABORTED, false, false));
        // A lock-fenced attempt killed before protecting: nothing protects, nothing is unfinished.
        assertEquals(DROP, SourceCleanup.decide(SwitchState.DRAINING, false, false));
        assertEquals(DROP, SourceCleanup.decide(SwitchState.FENCING, false, false));
    }

    @Test
    void afterASwitchTheProtectionStaysUnlessAskedFor() {
        assertEquals(KEEP_SWITCHED, SourceCleanup.decide(SwitchState.DONE, true, false));
        assertEquals(DROP, SourceCleanup.decide(SwitchState.DONE, true, true));
        // The state schema already dropped by an earlier cleanup: the protection is all that is left.
        assertEquals(KEEP_SWITCHED, SourceCleanup.decide(null, true, false));
        assertEquals(DROP, SourceCleanup.decide(null, true, true));
    }

    @Test
    void anUnfinishedSwitchKeepsItsSafety() {
        assertEquals(REFUSE_UNFINISHED, SourceCleanup.decide(SwitchState.PROTECTED, true, true));
        assertEquals(REFUSE_UNFINISHED, SourceCleanup.decide(SwitchState.TRAFFIC, true, true));
        assertEquals(REFUSE_UNFINISHED, SourceCleanup.decide(SwitchState.DRAINING, true, false));
        assertEquals(REFUSE_UNFINISHED, SourceCleanup.decide(SwitchState.ABORTED, true, false));
    }
}
