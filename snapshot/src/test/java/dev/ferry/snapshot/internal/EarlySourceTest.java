package dev.ferry.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.FerryException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EarlySourceTest {

    @Test
    void theLookRunsOnAThreadOfItsOwnAndTakeHandsItsResultOver() {
        AtomicReference<String> ranOn = new AtomicReference<>();
        EarlySource.Look look = new EarlySource.Look(null, null);
        try (EarlySource early = new EarlySource(() -> {
            ranOn.set(Thread.currentThread().getName());
            return look;
        })) {
            assertSame(look, early.take());
        }
        assertNotEquals(Thread.currentThread().getName(), ranOn.get());
    }

    @Test
    void aFailureOfTheLookIsThrownByTakeAsItWas() {
        FerryException refused = FerryException.usage("the source runs with wal_level = replica");
        try (EarlySource early = new EarlySource(() -> {
            throw refused;
        })) {
            assertSame(refused, assertThrows(FerryException.class, early::take));
        }
    }

    @Test
    void closingALookNeverTakenDoesNotWaitForIt() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        long t0 = System.nanoTime();
        try (EarlySource early = new EarlySource(() -> {
            release.await();
            finished.countDown();
            return new EarlySource.Look(null, null);
        })) {
            assertEquals(1, finished.getCount());
        }
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "close waited for the look");
        assertEquals(1, finished.getCount(), "the look was still running when close returned");
        release.countDown();
        assertTrue(finished.await(10, TimeUnit.SECONDS));
    }
}
