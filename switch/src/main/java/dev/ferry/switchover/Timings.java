package dev.ferry.switchover;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Where the write-held window's time went, step by step, for the switch's report: the window is the one moment
 * the application feels, and a number without its parts cannot be made smaller. The steps follow one another
 * without gaps, so they add up to the held time.
 */
public final class Timings {
    /** The user's {@code --then} command: its time is theirs, reported apart from Ferry's. */
    public static final String HOOK = "--then hook";

    /** One step of the window. */
    public record Step(String name, long millis) {
        @Override
        public String toString() {
            return name + " " + millis + " ms";
        }
    }

    private final List<Step> steps = new ArrayList<>();
    private long last;

    /** @param start {@link System#nanoTime()} when writes began to be held */
    Timings(long start) {
        this.last = start;
    }

    /** Ends the current step at now, naming it. */
    void step(String name) {
        long now = System.nanoTime();
        add(name, now - last);
        last = now;
    }

    private void add(String name, long nanos) {
        steps.add(new Step(name, TimeUnit.NANOSECONDS.toMillis(nanos)));
    }

    public List<Step> steps() {
        return List.copyOf(steps);
    }

    /** The milliseconds of the steps so named (0 when none). */
    public long millis(String name) {
        return steps.stream().filter(s -> s.name().equals(name)).mapToLong(Step::millis).sum();
    }

    @Override
    public String toString() {
        return steps.stream().map(Step::toString).collect(Collectors.joining(", "));
    }
}
