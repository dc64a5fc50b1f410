package dev.ferry.switchover;

import dev.ferry.switchover.internal.SourceProtection;
import java.time.Duration;

/**
 * Holds the application's writes to the migrated tables while the switch drains the stream, then hands them to
 * the target. Both fences hold the source's table locks, so clients connected to the source directly wait too.
 * Not thread-safe: one switch drives one fence.
 */
public sealed interface Fence permits LockFence, PgBouncerFence, InPlaceFence {

    /** Short name for messages and the state store: {@code lock} or {@code pgbouncer}. */
    String name();

    /**
     * Holds writes, returning once no write can start, with how long writes have been held already: writers
     * queue behind every lock attempt (failed ones and the one that succeeds), and PgBouncer holds them from
     * {@code PAUSE} on. Gives up when {@code timeout} passes, leaving nothing held.
     *
     * @throws dev.ferry.core.FerryException when the fence cannot be taken in time
     */
    Duration hold(Duration timeout);

    /**
     * Commits the source's write protection in the fence transaction: the locks go with that commit, so a writer
     * that was waiting is refused rather than written to the old server.
     */
    void protect(SourceProtection protection);

    /** Lets writes go again to the old server: the switch was abandoned. Safe to call when nothing is held. */
    void release();

    /**
     * The traffic step, after {@link #protect}: runs {@code hook} (the user's {@code --then}) at this fence's
     * point of the step.
     *
     * @throws NotMoved when it failed before any client was sent to the target (the switch can be undone)
     */
    void sendTraffic(Runnable hook);

    /**
     * True when committing the source's protection commits the switch itself (the in-place swap commits with it):
     * from then on the switch is only finished, never undone.
     */
    default boolean protectionIsFinal() {
        return false;
    }

    /** Undoes what a killed earlier switch may have left held (a paused PgBouncer). */
    void recover();

    /** The traffic step failed before any client moved: undoing the switch is still possible. */
    final class NotMoved extends RuntimeException {
        public NotMoved(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
