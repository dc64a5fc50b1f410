package dev.ferry.cli;

import dev.ferry.applier.StreamOptions;
import dev.ferry.core.FerryException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options of the streaming phase, shared by {@code ferry stream} and {@code ferry start}. */
final class StreamFlags {
    @Option(names = "--journal", paramLabel = "DIR",
            description = "Also write every source change (before transforms) as JSON lines to DIR, for \"ferry replay\". "
                    + "The files hold data: they are created readable by their owner only.")
    Path journal;

    @Option(names = "--on-error", paramLabel = "stop|dead-letter", defaultValue = "stop",
            description = "When a transform fails on a change: stop with the reason (default), or put the row in the "
                    + "state schema's dead_letters table and go on.")
    String onError;

    @Option(names = "--heartbeat", paramLabel = "SECONDS", defaultValue = "5",
            description = "How often the slot is moved on while the migrated tables are quiet (default: ${DEFAULT-VALUE}).")
    int heartbeatSeconds;

    StreamOptions options(Settings s) {
        StreamOptions.OnError mode = switch (onError) {
            case "stop" -> StreamOptions.OnError.STOP;
            case "dead-letter" -> StreamOptions.OnError.DEAD_LETTER;
            default -> throw FerryException.usage("--on-error must be stop or dead-letter, not \"" + onError + "\"");
        };
        return new StreamOptions(s.source(), s.target(), s.stateSchema(), lookup -> Transforms.chain(s, lookup),
                journal, mode, Duration.ofSeconds(Math.max(1, heartbeatSeconds)));
    }
}
