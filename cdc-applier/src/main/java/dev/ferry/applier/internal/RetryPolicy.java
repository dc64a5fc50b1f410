package dev.ferry.applier.internal;

import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import io.github.resilience4j.core.IntervalFunction;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Decides, after an attempt of the stream failed, whether to try again. Three kinds of failure:
 * <ul>
 *   <li>{@link Kind#LOST_CONNECTION}: a server went away, restarts, or is briefly unreachable. Retried with
 *       exponential backoff (1 s, x1.6, at most 30 s), {@link #MAX_LOST} times in a row;</li>
 *   <li>{@link Kind#CONFLICT}: a deadlock, serialization failure or lock timeout on the target. Retried
 *       {@link #MAX_CONFLICTS} times in a row, after a short pause;</li>
 *   <li>{@link Kind#DETERMINISTIC}: everything else (a change the target refuses, a value that cannot be read,
 *       a transform error, a schema mismatch). The same change would fail again: stop at once.</li>
 * </ul>
 * "In a row": an attempt that applied something resets the counts. Not thread-safe; one per stream.
 */
public final class RetryPolicy {
    public static final int MAX_LOST = 40;
    public static final int MAX_CONFLICTS = 5;

    public enum Kind { LOST_CONNECTION, CONFLICT, DETERMINISTIC }

    /** What to do after a failure. */
    public sealed interface Decision permits Retry, Stop {}

    /** Try again after {@code pause}; this is retry {@code attempt} of at most {@code of}. */
    public record Retry(Duration pause, int attempt, int of) implements Decision {}

    /** Give up: the failure stands. */
    public record Stop() implements Decision {}

    /** Resilience4j's exponential backoff: 1 s, x1.6 each time, at most 30 s. */
    private static final IntervalFunction BACKOFF = IntervalFunction.ofExponentialBackoff(1000, 1.6, 30_000);

    private int lost;
    private int conflicts;

    /**
     * @param progressed true when the failed attempt applied changes before it failed
     */
    public Decision next(Kind kind, boolean progressed) {
        if (progressed) {
            lost = 0;
            conflicts = 0;
        }
        return switch (kind) {
            case DETERMINISTIC -> new Stop();
            case LOST_CONNECTION -> ++lost >= MAX_LOST ? new Stop()
                    : new Retry(Duration.ofMillis(BACKOFF.apply(lost)), lost,
                    MAX_LOST - 1);
            case CONFLICT -> ++conflicts > MAX_CONFLICTS ? new Stop()
                    : new Retry(Duration.ofMillis(200L * conflicts), conflicts, MAX_CONFLICTS);
        };
    }

    /**
     * The kind of a failure, from its cause chain. A {@link FerryException} other than a server one is a
     * sentence for a person (a lost slot, a changed table) whatever its cause.
     */
    public static Kind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof FerryException f && f.code() != ExitCode.SERVER) {
                return Kind.DETERMINISTIC;
            }
            if (t instanceof TargetWriter.TargetUnavailable || t instanceof IOException
                    || t instanceof org.apache.kafka.connect.errors.RetriableException) {
                return Kind.LOST_CONNECTION;
            }
            if (t instanceof TargetWriter.TargetConflict) {
                return Kind.CONFLICT;
            }
            if (t instanceof SQLException s) {
                if (Db.isConnectionLoss(s) || "55006".equals(s.getSQLState())) {
                    return Kind.LOST_CONNECTION; // 55006: the slot is still held by the walsender of a lost session
                }
                if (TargetErrors.CONFLICTS.contains(s.getSQLState())) {
                    return Kind.CONFLICT;
                }
            }
        }
        return Kind.DETERMINISTIC;
    }
}
