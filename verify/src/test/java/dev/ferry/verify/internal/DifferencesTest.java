package dev.ferry.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.verify.RowDifference;
import dev.ferry.verify.RowDifference.Kind;
import org.junit.jupiter.api.Test;

class DifferencesTest {
    private static Differences of(String row, Kind kind) {
        Differences d = new Differences();
        d.add(3, row, new RowDifference(kind, row, 1));
        return d;
    }

    @Test
    void aRowThatDiffersTheSameWayInBothReadsIsConfirmed() {
        assertEquals(1, of("id=7", Kind.DIFFERENT).confirmedBy(of("id=7", Kind.DIFFERENT)).total());
        assertEquals(1, of("body=x", Kind.EXTRA_ON_TARGET).confirmedBy(of("body=x", Kind.EXTRA_ON_TARGET)).total());
    }

    @Test
    void aDuplicatedRowInFlightIsExtraInOneReadAndMissingInTheOtherAndIsNotConfirmed() {
        assertEquals(0, of("body=live, n=5", Kind.EXTRA_ON_TARGET)
                .confirmedBy(of("body=live, n=5", Kind.MISSING_ON_TARGET)).total());
        assertEquals(0, of("id=8", Kind.MISSING_ON_TARGET).confirmedBy(of("id=9", Kind.MISSING_ON_TARGET)).total());
    }
}
