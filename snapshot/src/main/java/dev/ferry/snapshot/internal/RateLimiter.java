package dev.ferry.snapshot.internal;

import dev.ferry.snapshot.Rate;

/**
 * A token bucket shared by every copy worker, so {@code --max-rate} limits the whole copy, not each worker.
 * A caller takes what it just moved and sleeps until that much was allowed; up to one second of unused
 * allowance is kept as burst. Thread-safe.
 */
public final class RateLimiter {
    private final Rate rate;
    /** When the bucket is empty again, in nanoseconds on {@link System#nanoTime()}'s scale. */
    private long freeAt = System.nanoTime();

    public RateLimiter(Rate rate) {
        this.rate = rate;
    }

    /** Accounts for {@code rows} rows of {@code bytes} bytes just copied, sleeping as long as the rate requires. */
    public void take(long rows, long bytes) throws InterruptedException {
        if (rate.unlimited()) {
            return;
        }
        double units = rate.rows() ? rows : bytes;
        long cost = (long) (units / rate.perSecond() * 1e9);
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            freeAt = Math.max(freeAt, now - 1_000_000_000L) + cost;
            wait = freeAt - now;
        }
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
