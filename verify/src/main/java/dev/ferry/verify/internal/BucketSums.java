package dev.ferry.verify.internal;

import java.math.BigDecimal;
import java.util.Arrays;

/**
 * Row count and hash sum per bucket for one side of one table. Sums wrap modulo 2^64, so partial sums from
 * parallel ctid ranges add up to the same value whichever way the table is split. Thread-safe.
 */
final class BucketSums {
    private final long[] counts;
    private final long[] sums;

    BucketSums(int buckets) {
        counts = new long[buckets];
        sums = new long[buckets];
    }

    /** Adds one bucket's partial result; {@code sum} is the numeric text PostgreSQL's sum(bigint) returns. */
    void add(int bucket, long count, String sum) {
        add(bucket, count, new BigDecimal(sum).toBigInteger().longValue());
    }

    synchronized void add(int bucket, long count, long sum) {
        counts[bucket] += count;
        sums[bucket] += sum;
    }

    synchronized long count(int bucket) {
        return counts[bucket];
    }

    synchronized long rows() {
        return Arrays.stream(counts).sum();
    }

    /** Buckets whose count or sum differ, in bucket order; {@code within} limits the buckets looked at (or null). */
    static int[] mismatches(BucketSums a, BucketSums b, int[] within) {
        synchronized (a) {
            synchronized (b) {
                int[] candidates = within != null ? within : java.util.stream.IntStream.range(0, a.counts.length).toArray();
                return Arrays.stream(candidates)
                        .filter(i -> a.counts[i] != b.counts[i] || a.sums[i] != b.sums[i])
                        .toArray();
            }
        }
    }
}
