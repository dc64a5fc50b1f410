package dev.ferry.verify.internal;

import dev.ferry.verify.RowDifference;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The differing rows of one pass over a table. Counts all of them but keeps at most {@link #KEEP} (with the
 * bucket each is in), which bounds memory whatever the table size; beyond that the pass is {@link #overflowed}
 * and re-checks are skipped (so many differences are not transient).
 */
final class Differences {
    static final int KEEP = 100_000;

    /** One differing row: its bucket, its identity (key text or row text) and the difference. */
    record Entry(int bucket, String identity, RowDifference difference) {}

    private final Map<String, Entry> kept = new LinkedHashMap<>();
    private long total;
    private boolean overflowed;

    /** Adds a difference; a second one for the same row (a duplicated key on the target) is counted, not kept. */
    void add(int bucket, String identity, RowDifference d) {
        total++;
        if (kept.containsKey(identity)) {
            return;
        }
        if (kept.size() < KEEP) {
            kept.put(identity, new Entry(bucket, identity, d));
        } else {
            overflowed = true;
        }
    }

    long total() {
        return total;
    }

    boolean overflowed() {
        return overflowed;
    }

    /** The buckets the kept differences are in, ascending. */
    int[] buckets() {
        return kept.values().stream().mapToInt(Entry::bucket).distinct().sorted().toArray();
    }

    /**
     * What both passes found: a row that differed the same way (the same kind) in an earlier read and in a fresh
     * one is not a change in flight. The re-reads alternate their order, and a change in flight looks different in
     * each: read source first, the target may be ahead of it (a false "extra"), read target first, it may be behind
     * (a false "missing"). A keyless table's duplicated row written all along is both in turn, so matching the row
     * alone would report it (VerifyWhileStreamingIT saw "extra on target" for such a row).
     */
    Differences confirmedBy(Differences fresh) {
        Differences out = new Differences();
        for (Entry e : fresh.kept.values()) {
            Entry earlier = kept.get(e.identity());
            if (earlier != null && earlier.difference().kind() == e.difference().kind()) {
                out.add(e.bucket(), e.identity(), e.difference());
            }
        }
        return out;
    }

    /** The first {@code limit} differences in key byte order. */
    List<RowDifference> first(int limit) {
        return kept.values().stream()
                .sorted((x, y) -> Arrays.compareUnsigned(bytes(x.identity()), bytes(y.identity())))
                .limit(limit).map(Entry::difference).toList();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
