package dev.ferry.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The automatic chunk size's choice between one whole, frozen copy of a table and ranges. */
class ChunkPlannerTest {
    private static final long MB = 1L << 20;

    @Test
    void oneWorkerCopiesATableWholeUpToTheBound() {
        // One worker copies the ranges one after another anyway: splitting would only bound what a kill loses.
        assertTrue(ChunkPlanner.whole(418 * MB, 418 * MB, 1, true));
        assertTrue(ChunkPlanner.whole(ChunkPlanner.WHOLE_MAX, 3 * ChunkPlanner.WHOLE_MAX, 1, true));
        assertFalse(ChunkPlanner.whole(ChunkPlanner.WHOLE_MAX + 1, ChunkPlanner.WHOLE_MAX + 1, 1, true),
                "above the bound a kill would lose too much");
    }

    @Test
    void aTableMoreThanAWorkersShareIsSplit() {
        assertFalse(ChunkPlanner.whole(418 * MB, 418 * MB, 2, true), "alone, the second worker would wait");
        assertFalse(ChunkPlanner.whole(300 * MB, 500 * MB, 2, true));
        assertTrue(ChunkPlanner.whole(250 * MB, 500 * MB, 2, true), "two equal tables: one each");
        assertTrue(ChunkPlanner.whole(100 * MB, 1000 * MB, 4, true));
    }

    @Test
    void aTableThatCannotBeFrozenIsSplitAsBefore() {
        // Without FREEZE one transaction gains nothing over ranges and loses their resume.
        assertFalse(ChunkPlanner.whole(418 * MB, 418 * MB, 1, false));
    }
}
