package dev.ferry.core.state;

/** Where a run is. Stored by name in the state store, so constants are never renamed. */
public enum Phase {
    /** Slot and publication created, consistent LSN recorded, copy not finished. */
    SNAPSHOT,
    /** Copy finished; indexes and constraints being built. */
    INDEXES,
    /** Snapshot complete; the stream applies changes. */
    STREAMING,
    /** A switch is under way or done (see the switch state). */
    SWITCHED
}
