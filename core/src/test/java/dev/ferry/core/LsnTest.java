package dev.ferry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LsnTest {

    @Test
    void parsesAndPrintsAsPostgresDoes() {
        Lsn l = Lsn.parse("16/B374D848");
        assertEquals(0x16B374D848L, l.value());
        assertEquals("16/B374D848", l.toString());
        assertEquals("0/0", Lsn.ZERO.toString());
        assertEquals(Lsn.parse("0/1A"), Lsn.parse("0/1a"));
        assertEquals("FFFFFFFF/FFFFFFFF", Lsn.parse("FFFFFFFF/FFFFFFFF").toString());
    }

    @Test
    void ordersAsUnsigned64Bit() {
        Lsn high = Lsn.parse("FFFFFFFF/0");
        Lsn low = Lsn.parse("0/1");
        assertTrue(high.isAfter(low));
        assertTrue(low.isAtOrBefore(high));
        assertTrue(low.isAtOrBefore(low));
        assertEquals(high, Lsn.max(low, high));
        assertEquals(high, Lsn.max(high, low));
    }

    @Test
    void bytesSinceIsTheDistanceOrZero() {
        assertEquals(0x100000000L, Lsn.parse("1/0").bytesSince(Lsn.parse("0/0")));
        assertEquals(0, Lsn.parse("0/10").bytesSince(Lsn.parse("0/20")));
    }

    @Test
    void rejectsWhatIsNotAnLsn() {
        for (String bad : new String[] {"", "16", "/1", "1/", "x/1", "1/1/1", "100000000/0", "0/100000000"}) {
            assertThrows(IllegalArgumentException.class, () -> Lsn.parse(bad), bad);
        }
    }
}
