package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.StateStore;
import dev.ferry.switchover.internal.SourceProtection;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Consumer;

/**
 * The stream's side of the switch: after it applied the transaction holding a fence message it asks here, and
 * waits until the switch has decided ({@link SwitchState#atFence}). Applying nothing meanwhile is what keeps later
 * source changes from landing over the application's writes on the target.
 */
public final class FenceWatch {
    static final long POLL_MILLIS = 100;

    private FenceWatch() {}

    /**
     * Blocks until the switch decides. True: switched over, the stream must stop; false: aborted, or not this
     * attempt's fence, or an attempt that died before protecting the source: the stream goes on.
     */
    public static boolean switchedOver(ConnectionSpec source, ConnectionSpec target, String stateSchema, Lsn commit,
                                       Consumer<String> say) {
        SourceProtection protection = new SourceProtection(stateSchema, List.of());
        boolean told = false;
        try (StateStore store = StateStore.openExisting(target, stateSchema).orElse(null);
             Connection src = Db.open(source, "source", "stream fence")) {
            if (store == null) {
                return false;
            }
            while (true) {
                // Whether a switch runs is read before what it recorded: read after, a switch that recorded its
                // traffic step, was undone and exited in between looks like one killed in its traffic step, which
                // is only ever finished, and the stream would stop on a source that takes writes again.
                boolean running = SwitchStatus.switchRunning(store);
                SwitchState state = store.switchState().flatMap(SwitchState::parse).orElse(null);
                SwitchState.StreamDecision d = SwitchState.atFence(state, store.switchFence().orElse(null), commit,
                        protection.isProtected(src), running);
                switch (d) {
                    case STOP -> {
                        return true;
                    }
                    case CONTINUE -> {
                        if (told) {
                            say.accept("the switch was undone; the stream goes on");
                        }
                        return false;
                    }
                    case WAIT -> {
                        if (!told) {
                            say.accept("the switch's fence at " + commit + " is applied; waiting for the switch to finish "
                                    + "or be undone (\"ferry switch\" or \"ferry switch --abort\")");
                            told = true;
                        }
                        Thread.sleep(POLL_MILLIS);
                    }
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the switch's state", "target", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.internal("interrupted while waiting for the switch", e);
        }
    }
}
