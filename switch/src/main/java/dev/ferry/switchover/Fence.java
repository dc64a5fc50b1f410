package dev.ferry.switchover;

import java.time.Duration;

/**
 * Holds the application's writes to the migrated tables while the switch drains the stream.
 * Not thread-safe: one switch drives one fence.
 */
public sealed interface Fence permits LockFence, PgBouncerFence {

    /** Short name for messages and the state store: {@code lock} or {@code pgbouncer}. */
    String name();

    /**
     * Holds writes, returning once no write can start. Gives up when {@code timeout} passes, leaving nothing held.
     *
     * @throws dev.ferry.core.FerryException when the fence cannot be taken in time
     */
    void hold(Duration timeout);

    /** Lets writes go again to the old server: the switch was abandoned. Safe to call when nothing is held. */
    void release();

    /**
     * Lets writes go to the new server: the traffic step. For {@code lock} the source tables become
     * write-protected first, so a writer that was waiting fails instead of writing to the old server.
     */
    void releaseToTarget();

    /** Undoes what a killed earlier switch may have left held (e.g. a paused PgBouncer). */
    void recover();
}
