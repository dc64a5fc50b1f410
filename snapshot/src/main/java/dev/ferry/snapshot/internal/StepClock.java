package dev.ferry.snapshot.internal;

import dev.ferry.core.state.SnapshotStep;
import dev.ferry.core.state.StateStore;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Times the snapshot's steps back to back: each {@link #end} charges the time since the previous one (or since
 * the clock started) to a step, adds it to the state store and keeps it for the result. Not thread-safe: the
 * snapshot's coordinating thread alone calls it.
 */
public final class StepClock {
    private final Map<SnapshotStep, Double> seconds = new EnumMap<>(SnapshotStep.class);
    private long mark;

    public StepClock(long startNanos) {
        this.mark = startNanos;
    }

    /** Charges the time since the last mark to {@code step}, in this run and in {@code store}. */
    public void end(SnapshotStep step, StateStore store) {
        long now = System.nanoTime();
        double s = (now - mark) / 1e9;
        mark = now;
        seconds.merge(step, s, Double::sum);
        store.addStepSeconds(step, s);
    }

    /** The seconds of this run's steps, in step order. */
    public Map<SnapshotStep, Double> seconds() {
        return Collections.unmodifiableMap(new EnumMap<>(seconds));
    }
}
