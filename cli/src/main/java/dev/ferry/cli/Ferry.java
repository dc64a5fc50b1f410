package dev.ferry.cli;

import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ferry} command: moves a live PostgreSQL database to another server. */
@Command(name = "ferry",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Moves a live PostgreSQL database to another PostgreSQL server while the application keeps writing,",
            "reshapes rows on the way, and switches traffic over in well under a second.",
            "",
            "Typical run: ferry check, ferry start (snapshot, then stream), ferry status, ferry switch, ferry verify."},
        footer = {"", "Exit status: 0 success, 1 problems or differences found, 2 bad usage or configuration,",
                "3 a server refused or could not be reached, 4 internal error."})
public final class Ferry {

    /** The subcommands, in the order {@code --help} lists them. */
    private static final List<Class<?>> COMMANDS = List.of(
            CheckCommand.class,
            DiffCommand.class,
            DryRunCommand.class,
            StartCommand.class,
            SnapshotCommand.class,
            StreamCommand.class,
            StatusCommand.class,
            VerifyCommand.class,
            SwitchCommand.class,
            ReplayCommand.class,
            CleanupCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class);

    public static void main(String[] args) {
        // pgjdbc sends the JVM's zone as every connection's TimeZone, after (so over) the options that pin it, Debezium's
        // replication connection included: pgoutput then prints timestamptz in that zone. Exact either way, but
        // pinned like every other value-printing setting; Ferry's clock (its log lines too) reads UTC.
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("UTC"));
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; the entry point tests use, so they exercise exactly what users run. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Logging.configure(args);
        CommandLine cli = commandLine(args);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(new ErrorReporter());
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("ferry: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Run \"" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help\" for usage.");
            return ExitCode.USAGE.status();
        });
        cli.setExitCodeExceptionMapper(t -> t instanceof FerryException f ? f.code().status() : ExitCode.INTERNAL.status());
        return cli.execute(args);
    }

    /**
     * The command tree for {@code args}: only the subcommand they name, or all of them (help, a misspelt name).
     * picocli reads every registered command's options by reflection before it parses anything: all thirteen cost
     * a cold JVM about 0.5 s, one about 0.3 s, time a snapshot's servers wait for.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Ferry());
        String first = args.length > 0 ? args[0] : "";
        List<Class<?>> named = COMMANDS.stream()
                .filter(c -> c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(first))
                .toList();
        (named.isEmpty() ? COMMANDS : named).forEach(cli::addSubcommand);
        return cli;
    }
}
