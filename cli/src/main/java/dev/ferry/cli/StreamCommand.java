package dev.ferry.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "stream", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Apply every change made on the source since the snapshot to the target, through the transforms, "
                + "until stopped (Ctrl-C). Reads the run's replication slot with the embedded Debezium engine; each "
                + "source transaction becomes one target transaction, recorded with its LSN, so a restart neither loses "
                + "nor repeats a change.",
                "Stops with one sentence when a person is needed: a table altered on the source, a failing transform, "
                        + "a lost slot. Connection losses are retried with backoff."})
final class StreamCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    StreamFlags flags;

    @Override
    public Integer call() {
        Streaming.run(connection.resolve(true, true), flags, spec.commandLine().getOut());
        return 0;
    }
}
