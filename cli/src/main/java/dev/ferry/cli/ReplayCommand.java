package dev.ferry.cli;

import dev.ferry.applier.Replay;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Re-apply a journal written with --journal to a target, through the configured transforms and "
                + "the same apply path as the stream, transaction by transaction. Applied onto a copy of the snapshot, "
                + "it reproduces the target (check with \"ferry verify\").",
                "With --dry-run it prints what it would write and writes nothing."})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The journal directory.")
    Path journal;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--from-lsn", paramLabel = "LSN", description = "Only transactions committed after this LSN.")
    String fromLsn;

    @Option(names = "--dry-run", description = "Print what would be written; write nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        Settings s = connection.resolve(false, !dryRun);
        Lsn from;
        try {
            from = fromLsn == null ? Lsn.ZERO : Lsn.parse(fromLsn);
        } catch (IllegalArgumentException e) {
            throw FerryException.usage(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        Replay.Result r = Replay.run(s.target(), s.stateSchema(), journal, from, dryRun,
                lookup -> Transforms.chain(s, lookup), out);
        out.println((dryRun ? "Dry run: " : "Replayed: ") + r.transactions() + " transaction(s)"
                + (dryRun ? " would be written" : " applied") + ", " + r.skipped()
                + " skipped (at or below the target's position)"
                + (r.torn() > 0 ? ", " + r.torn() + " left out (cut off by a crash, without a commit line)" : "")
                + (dryRun ? "; nothing was written." : "."));
        return 0;
    }
}
