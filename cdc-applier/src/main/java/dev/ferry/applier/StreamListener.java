package dev.ferry.applier;

import dev.ferry.core.Lsn;

/** What a running stream reports; called from the stream's own thread. */
public interface StreamListener {
    StreamListener NONE = new StreamListener() {};

    /** A source transaction was committed on the target. */
    default void committed(Lsn lsn, long changes) {}

    /** Something worth a log line (connected, retrying, reconnected). */
    default void message(String text) {}
}
