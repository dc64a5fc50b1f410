package dev.ferry.cli;

import dev.ferry.core.Db;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.check.Problem;
import dev.ferry.core.inplace.InPlaceChecks;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code check --in-place}: the checks of a run between two servers that do not apply when the target is the source
 * itself are left out (the target being the same database, its tables holding rows, objects to carry: the swap
 * carries them), and the in-place findings are added.
 */
final class InPlaceCheck {
    private static final Set<String> NOT_IN_PLACE = Set.of("same_database", "target_not_empty", "object_not_carried",
            "object_uses_reshaped", "objects_left_out", "trigger_fires_on_apply", "large_objects");

    private InPlaceCheck() {}

    static List<Problem> adjust(Settings s, List<Problem> problems) {
        List<Problem> out = new ArrayList<>(problems.stream().filter(p -> !NOT_IN_PLACE.contains(p.check())).toList());
        try (Connection c = Db.open(s.source(), "source", "check")) {
            out.addAll(InPlaceChecks.run(c, s.inPlace()));
        } catch (SQLException e) {
            throw ServerErrors.during("checking the in-place rebuild", "source", e);
        }
        return out;
    }
}
