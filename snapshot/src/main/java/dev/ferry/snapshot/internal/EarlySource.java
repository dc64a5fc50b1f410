package dev.ferry.snapshot.internal;

import dev.ferry.core.Daemons;
import dev.ferry.core.catalog.Catalog;
import java.sql.Connection;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;

/**
 * A new run's first look at the source (its connection, its checks, the catalog read before the slot), started
 * on a thread of its own while the caller opens the target's state schema. Both are almost all code a cold JVM
 * runs once, the servers' own share being milliseconds, so on two cores they overlap instead of queueing.
 * {@link #take} hands the connection over; one never taken (the target failed first, or the run resumes and
 * reads the source its own way) is closed once the look ends, and whatever the look met is dropped with it.
 */
public final class EarlySource implements AutoCloseable {

    /** The coordinating source connection and the catalog read on it. */
    public record Look(Connection coord, Catalog catalog) {}

    private final FutureTask<Look> task;
    private boolean taken;

    /** Starts {@code look}, which closes its connection itself if it fails. */
    public EarlySource(Callable<Look> look) {
        task = new FutureTask<>(look);
        Daemons.start("ferry-source-look", task);
    }

    /** The look's result, or the failure it met, thrown as if the look had run on the caller's thread. */
    public Look take() {
        Look l = Copier.await(task);
        taken = true;
        return l;
    }

    @Override
    public void close() {
        if (taken) {
            return;
        }
        // Without waiting: a source that does not answer must not hold up the failure the caller is reporting.
        Daemons.start("ferry-source-look-close", () -> {
            try {
                ExportedSnapshot.closeQuietly(task.get().coord());
            } catch (Exception dropped) {
                // the look failed: it closed what it opened, and no one asked for its answer
            }
        });
    }
}
