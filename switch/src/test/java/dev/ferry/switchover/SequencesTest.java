package dev.ferry.switchover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.core.catalog.SequenceInfo;
import dev.ferry.transforms.TableId;
import org.junit.jupiter.api.Test;

class SequencesTest {
    static Sequences.Mapped seq(long increment, long min, long max) {
        SequenceInfo s = new SequenceInfo(new TableId("public", "s"), "bigint", increment > 0 ? min : max, increment, min,
                max, 1, false, null, null, false);
        return new Sequences.Mapped(s, "public.s", min, max);
    }

    @Test
    void theMarginMovesAscendingUpAndDescendingDown() {
        assertEquals(new Sequences.Value(150, true), Sequences.next(seq(1, 1, 1000), new Sequences.Value(50, true), 100));
        assertEquals(new Sequences.Value(-150, true), Sequences.next(seq(-1, -1000, -1), new Sequences.Value(-50, true), 100));
        assertEquals(new Sequences.Value(500, false), Sequences.next(seq(1, 1, 1000), new Sequences.Value(500, false), 0));
    }

    @Test
    void valuesStayWithinTheTargetsBounds() {
        // past the top: exhausted, as the source soon would be
        assertEquals(new Sequences.Value(1000, true), Sequences.next(seq(1, 1, 1000), new Sequences.Value(990, true), 100));
        assertEquals(new Sequences.Value(-1000, true), Sequences.next(seq(-1, -1000, -1), new Sequences.Value(-990, true), 100));
        assertEquals(new Sequences.Value(Long.MAX_VALUE, true),
                Sequences.next(seq(1, 1, Long.MAX_VALUE), new Sequences.Value(Long.MAX_VALUE - 1, true), 100));
    }
}
