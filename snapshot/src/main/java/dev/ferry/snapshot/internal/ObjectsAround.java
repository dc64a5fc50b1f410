package dev.ferry.snapshot.internal;

import dev.ferry.core.Daemons;
import dev.ferry.core.objects.ObjectMigration;
import dev.ferry.core.objects.ObjectOptions;
import dev.ferry.core.objects.ObjectScope;
import dev.ferry.core.objects.ObjectSet;
import java.sql.Connection;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;

/**
 * A new run's read of the objects around its tables: the source's under the run's snapshot on the caller's thread,
 * and meanwhile, on a thread of its own, what the target already has of them (which the first object step would
 * otherwise read after the source's). Each read is some thirty catalog queries that a cold JVM spends most of its
 * time around, so on two cores they overlap instead of queueing.
 */
public final class ObjectsAround {
    private ObjectsAround() {}

    /**
     * @param target the connection the object steps will run on; the caller must not use it until this returns
     */
    public static ObjectMigration read(Connection source, Connection target, ObjectScope scope, ObjectOptions options,
                                       Consumer<String> log) {
        FutureTask<ObjectSet> has = new FutureTask<>(() -> ObjectMigration.readTarget(target, scope));
        Daemons.start("ferry-target-objects", has);
        ObjectMigration objects;
        try {
            objects = ObjectMigration.read(source, scope, options, log);
        } catch (RuntimeException e) {
            settle(has);
            throw e;
        }
        objects.knowTarget(target, Copier.await(has));
        return objects;
    }

    /** Waits for the target's read so its connection is free again; its answer and its failure no longer matter. */
    private static void settle(FutureTask<ObjectSet> has) {
        try {
            has.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException dropped) {
            // the source's failure is the one reported
        }
    }
}
