package dev.ferry.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "start", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Snapshot, then stream: copy the tables as of the slot's consistent point (\"ferry snapshot\"), "
                + "then apply every later change until stopped (\"ferry stream\"). Run the same command again after any "
                + "interruption: it continues where it stopped.",
                "Leave it running; switch over with \"ferry switch\" from another terminal."})
final class StartCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    SnapshotFlags snapshot;

    @Mixin
    StreamFlags stream;

    @Override
    public Integer call() {
        Settings s = connection.resolve(true, true);
        PrintWriter out = spec.commandLine().getOut();
        SnapshotCommand.run(s, snapshot, out);
        Streaming.run(s, stream, out);
        return 0;
    }
}
