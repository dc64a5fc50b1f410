package dev.ferry.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.FerryException;
import org.junit.jupiter.api.Test;

class RateTest {

    @Test
    void readsRowsAndBytesPerSecond() {
        assertEquals(new Rate(50000, true), Rate.parse("50000rows"));
        assertEquals(new Rate(20 * 1024 * 1024, false), Rate.parse("20MB"));
        assertEquals(new Rate(512 * 1024, false), Rate.parse("512kB/s"));
        assertEquals(new Rate(1.5 * 1024 * 1024 * 1024, false), Rate.parse("1.5GB"));
        assertEquals(new Rate(100, true), Rate.parse("100"));
        assertTrue(Rate.parse(null).unlimited());
    }

    @Test
    void refusesWhatIsNotARate() {
        FerryException e = assertThrows(FerryException.class, () -> Rate.parse("fast"));
        assertTrue(e.getMessage().contains("50000rows"), e.getMessage());
        assertThrows(FerryException.class, () -> Rate.parse("0rows"));
    }
}
