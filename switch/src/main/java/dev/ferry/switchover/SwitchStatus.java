package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.state.RunStatus;
import dev.ferry.core.state.StateStore;
import dev.ferry.switchover.internal.SourceProtection;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What {@code ferry status} says about the switch: one of the three states of {@link SwitchState.Outcome} and the
 * sentence that goes with it.
 *
 * @param recorded  the stored step, or null
 * @param protectedSource null when the source could not be read
 */
public record SwitchStatus(SwitchState.Outcome outcome, String recorded, Boolean protectedSource, String sentence) {

    /** @param source null when unknown or unreachable: the target's record alone decides */
    public static SwitchStatus read(StateStore store, ConnectionSpec source) {
        return read(store, source, false);
    }

    /**
     * @param inPlace the run swaps tables in place: there a protected source means swapped (the application
     *                writes the new tables, nothing is held) and is only ever finished
     */
    public static SwitchStatus read(StateStore store, ConnectionSpec source, boolean inPlace) {
        // Read before the state, as FenceWatch does: a switch that ends in between then shows its final state.
        boolean running;
        try {
            running = switchRunning(store);
        } catch (SQLException e) {
            running = false;
        }
        SwitchState state = store.switchState().flatMap(SwitchState::parse).orElse(null);
        Boolean prot = null;
        if (source != null) {
            try (Connection c = Db.open(source, "source", "status")) {
                prot = new SourceProtection(store.schema(), List.of()).isProtected(c);
            } catch (SQLException | RuntimeException e) {
                prot = null;
            }
        }
        boolean pgbouncer = store.switchDetail().map(d -> d.contains("\"pgbouncer\"")).orElse(false);
        boolean p = prot != null ? prot : state == SwitchState.PROTECTED || state == SwitchState.TRAFFIC
                || state == SwitchState.DONE;
        SwitchState.Outcome outcome = SwitchState.outcome(state, p, running, pgbouncer);
        String step = state == null ? "never started" : state.stored;
        String sentence = inPlace && p && !running && outcome == SwitchState.Outcome.HELD
                ? "held (" + step + ", the switch was stopped after the swap): the application writes the new tables; "
                + "run \"ferry switch --in-place\" to finish (the swap cannot be undone)"
                : inPlace && outcome == SwitchState.Outcome.SWITCHED
                ? "switched: the new tables have the original names, the originals are in ferry_old and refuse writes"
                : switch (outcome) {
            case SWITCHED -> "switched: the source refuses writes to the migrated tables, the target has them all";
            case NOT_SWITCHED -> "not switched (" + step + "): the source takes writes and the stream carries them";
            case HELD -> "held (" + step + (running ? ", a switch is running" : ", the switch was stopped") + "): "
                    + (p ? "the source refuses writes" : "writes are held") + " and the target gets no traffic yet; "
                    + (running ? "wait for it" : "run \"ferry switch\" to finish or \"ferry switch --abort\" to undo");
        };
        return new SwitchStatus(outcome, state == null ? null : state.stored, prot, sentence);
    }

    /**
     * Whether a {@code ferry switch} holds the state store's writer lock. Callers read it before the recorded
     * state, so that a switch ending in between shows its final state.
     */
    static boolean switchRunning(StateStore store) throws SQLException {
        String writer = RunStatus.writer(store.connection(), store.schema());
        return writer != null && writer.contains("ferry switch");
    }
}
