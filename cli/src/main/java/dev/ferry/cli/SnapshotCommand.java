package dev.ferry.cli;

import dev.ferry.cli.progress.CopyProgress;
import dev.ferry.cli.progress.SummaryTable;
import dev.ferry.snapshot.Snapshot;
import dev.ferry.snapshot.SnapshotLookup;
import dev.ferry.snapshot.SnapshotOptions;
import dev.ferry.snapshot.SnapshotResult;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "snapshot", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Create the publication and the replication slot on the source, then copy the chosen tables to "
                + "the target exactly as they were at the slot's consistent point, in parallel, while the application "
                + "keeps writing. Tables are created without indexes; keys and indexes are built after the copy, "
                + "foreign keys added NOT VALID. The objects of the tables' schemas come along: functions, aggregates, "
                + "operators and casts before the tables, views after them, triggers, rules and policies after the "
                + "copy, then owners, privileges and comments.",
                "Run it again after an interruption to continue: finished chunks are skipped. On a finished run it "
                        + "says so and does nothing. \"ferry start\" runs this, then streams the changes."})
final class SnapshotCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    SnapshotFlags flags;

    @Override
    public Integer call() {
        Settings s = connection.resolve(true, true);
        PrintWriter out = spec.commandLine().getOut();
        SnapshotResult r = run(s, flags, out);
        out.flush();
        return r == null ? 1 : 0;
    }

    /** Runs the snapshot with progress on {@code out} and prints the summary; what {@code ferry start} calls first. */
    static SnapshotResult run(Settings s, SnapshotFlags flags, PrintWriter out) {
        try (SnapshotLookup lookup = new SnapshotLookup(s.source());
             CopyProgress progress = CopyProgress.create(flags.progress, out)) {
            SnapshotOptions options = flags.options(s).withTransforms(Transforms.chain(s, lookup), lookup)
                    .withListener(progress);
            SnapshotResult r = Snapshot.run(options);
            progress.close();
            if (r.alreadyDone()) {
                out.println("The snapshot of this run had finished already (consistent point " + r.consistentLsn()
                        + "); nothing was copied.");
                SummaryTable.printWaits(out, r);
                return r;
            }
            SummaryTable.print(out, r);
            return r;
        }
    }
}
