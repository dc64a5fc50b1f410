package dev.ferry.core;

import java.util.concurrent.ThreadFactory;

/**
 * The one way Ferry starts a thread of its own. Every such thread is a daemon: a command's outcome is decided on
 * its main thread, and a worker still blocked on a server that stopped answering must not keep the JVM from
 * exiting with that outcome. Work that blocks is never handed to the common pool: on JDK 25 even a one-thread
 * pool (two cores) is used, and whatever holds that thread would hold the work up.
 */
public final class Daemons {
    private Daemons() {}

    /** Starts {@code task} on a daemon thread called {@code name}. */
    public static Thread start(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Daemon threads called {@code name}, for a pool. */
    public static ThreadFactory named(String name) {
        return task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            return t;
        };
    }
}
