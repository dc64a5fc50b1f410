package dev.ferry.switchover;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.objects.LargeObjects;
import dev.ferry.core.objects.ObjectOptions;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The switch's part for large objects, which the stream does not carry and the lock fence does not hold (lo_*
 * writes take no lock on the migrated tables). With {@code --large-objects} the changed ones are copied again
 * before the fence ({@link #beforeFence}); under the PgBouncer fence, which holds every client's writes, once more
 * inside the window ({@link #inWindow}, its cost printed); under the lock fence, what changed after the first pass
 * is named as left behind once the switch is done ({@link #afterSwitch}). Without the option, only the naming.
 */
public final class LargeObjectStep {
    private final ConnectionSpec source;
    private final ConnectionSpec target;
    private final ObjectOptions options;
    private final boolean copy;
    private final boolean fenceHoldsThem;
    private final PrintWriter out;
    private boolean any;

    /** Passes before the fence at most, and the number of changes a pass may find and still be the last. */
    static final int PASSES = 3;
    static final int FEW = 20;

    /**
     * @param copy           {@code --large-objects}
     * @param fenceHoldsThem true under the PgBouncer fence: no lo_* write through it passes while writes are held
     */
    public LargeObjectStep(ConnectionSpec source, ConnectionSpec target, ObjectOptions options, boolean copy,
                           boolean fenceHoldsThem, PrintWriter out) {
        this.source = source;
        this.target = target;
        this.options = options;
        this.copy = copy;
        this.fenceHoldsThem = fenceHoldsThem;
        this.out = out;
    }

    /** Before any write is held: the large objects that changed since the snapshot, copied again. */
    public void beforeFence() {
        try (Connection s = Db.open(source, "source", "large objects")) {
            any = LargeObjects.count(s) > 0;
        } catch (SQLException e) {
            throw ServerErrors.during("counting large objects", "source", e);
        }
        // Passes again while the last one found many changes: what is left for the window shrinks with each.
        for (int pass = 1; copy && any && pass <= PASSES; pass++) {
            LargeObjects.Pass p = LargeObjects.copy(source, target, options, true, m -> out.println(m));
            out.println("Large objects before the fence: " + p.describe() + ".");
            out.flush();
            if (p.written() + p.removed() <= FEW) {
                break;
            }
        }
    }

    /** While writes are held (after the drain): under the PgBouncer fence, the last changes. */
    public void inWindow() {
        if (copy && any && fenceHoldsThem) {
            LargeObjects.Pass p = LargeObjects.copy(source, target, options, true, m -> out.println(m));
            out.println("Large objects while writes were held: " + p.describe() + " (part of the time writes were held).");
            out.flush();
        }
    }

    /** Once the application writes to the target: names what differs, which this switch did not carry. */
    public void afterSwitch() {
        if (!any || copy && fenceHoldsThem) {
            return;
        }
        List<Long> left = LargeObjects.differing(source, target);
        if (left.isEmpty()) {
            return;
        }
        out.println("Left behind: " + left.size() + " large object(s) differ between the source and the target ("
                + left.stream().limit(10).map(String::valueOf).collect(Collectors.joining(", "))
                + (left.size() > 10 ? ", ..." : "") + ")" + (copy
                ? ", written on the source after they were copied, which the lock fence does not hold; copy them yourself "
                + "(lo_export/lo_import), or switch with --fence pgbouncer, which holds them"
                : "; ferry switch copies them only with --large-objects") + ".");
        out.flush();
    }
}
