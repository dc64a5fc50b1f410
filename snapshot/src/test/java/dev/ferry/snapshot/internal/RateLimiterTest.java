package dev.ferry.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.snapshot.Rate;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    @Test
    void workersTogetherStayUnderTheRate() throws Exception {
        RateLimiter limiter = new RateLimiter(new Rate(20_000, true));
        Runnable worker = () -> {
            try {
                for (int i = 0; i < 20; i++) {
                    limiter.take(500, 0);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        long t0 = System.nanoTime();
        Thread a = new Thread(worker);
        Thread b = new Thread(worker);
        a.start();
        b.start();
        a.join();
        b.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        // 20,000 rows at 20,000 rows/s: one second (a fresh bucket has no burst saved up).
        assertTrue(seconds >= 0.9 && seconds < 5, "took " + seconds + " s");
    }
}
