package dev.ferry.applier;

import dev.ferry.core.Lsn;

/** What a running stream reports; called from the stream's own thread. */
public interface StreamListener {
    StreamListener NONE = new StreamListener() {};

    /** A source transaction was committed on the target. */
    default void committed(Lsn lsn, long changes) {}

    /**
     * The target just committed the source transaction holding the switch's fence message (prefix
     * {@code ferry.fence}), at {@code commit}. May block until the switch decides. True: the run is switched over,
     * nothing after the fence may be applied and the stream stops (the command exits 0); false: the switch was
     * aborted or the fence is not this run's, and the stream goes on.
     */
    default boolean fenced(Lsn commit) {
        return false;
    }

    /** Something worth a log line (connected, retrying, reconnected). */
    default void message(String text) {}
}
