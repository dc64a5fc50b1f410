package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.switchover.internal.SourceProtection;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * {@code ferry cleanup}'s part on the source for the switch: the fence triggers and their function. Undone or never
 * switched, they are Ferry's leftovers and go; after a switch they are what keeps the old tables from taking
 * writes, so they stay unless the user asks; while a switch is unfinished they are its safety, and stay.
 */
public final class SourceCleanup {
    /** Each {@code DROP TRIGGER} waits at most this long for its table, since queries queue behind it. */
    static final long LOCK_TIMEOUT_MILLIS = 2000;

    /** What to do with the protection. */
    public enum Decision { DROP, KEEP_SWITCHED, REFUSE_UNFINISHED }

    private SourceCleanup() {}

    /**
     * @param state            the recorded switch state, null when none
     * @param protectedSource  the source refuses writes now
     * @param afterSwitch      the user asked to drop it after a switch too
     */
    public static Decision decide(SwitchState state, boolean protectedSource, boolean afterSwitch) {
        if (state == SwitchState.DONE) {
            return afterSwitch ? Decision.DROP : Decision.KEEP_SWITCHED;
        }
        if (state == null && protectedSource) {
            // Protected with no record: a switched run whose state schema is gone (a cleanup run before).
            return afterSwitch ? Decision.DROP : Decision.KEEP_SWITCHED;
        }
        if (protectedSource || state == SwitchState.TRAFFIC || state == SwitchState.PROTECTED) {
            return Decision.REFUSE_UNFINISHED;
        }
        return Decision.DROP;
    }

    /**
     * Applies the decision; returns a sentence for the user. Throws (changing nothing) for an unfinished switch.
     *
     * @param state null when none was recorded (or the target holds no run)
     */
    public static String run(ConnectionSpec source, String stateSchema, SwitchState state, boolean afterSwitch) {
        SourceProtection protection = new SourceProtection(stateSchema, List.of());
        try (Connection c = Db.open(source, "source", "cleanup")) {
            return switch (decide(state, protection.isProtected(c), afterSwitch)) {
                case KEEP_SWITCHED -> "Kept the source's write protection (triggers ferry_fence): the run was switched "
                        + "over and the old tables refuse writes; pass --drop-protection to drop it too.";
                case REFUSE_UNFINISHED -> throw new FerryException(ExitCode.USAGE, "a switch of this run is unfinished"
                        + (state == null ? "" : " (" + state.stored + ")") + " and the source's write protection is its "
                        + "safety; finish it with \"ferry switch\" or undo it with \"ferry switch --abort\", then clean "
                        + "up; nothing was dropped");
                case DROP -> {
                    List<String> left = protection.remove(c, LOCK_TIMEOUT_MILLIS);
                    yield left.isEmpty() ? "Dropped Ferry's write-protection triggers and function on the source."
                            : "Could not drop the write-protection trigger ferry_fence on " + String.join(", ", left)
                            + " (a transaction held the table for more than " + LOCK_TIMEOUT_MILLIS / 1000 + " s); "
                            + "run \"ferry cleanup\" again, or DROP TRIGGER ferry_fence ON each yourself.";
                }
            };
        } catch (SQLException e) {
            throw ServerErrors.during("reading the source's write protection", "source", e);
        }
    }
}
