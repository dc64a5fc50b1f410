package dev.ferry.cli;

import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.ServerPair;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Shows the whole flow on two throwaway servers it starts itself: a PostgreSQL 15 source with an application
 * writing to it, a PostgreSQL 17 target. Every step runs the real command, printed as the user would type it.
 */
@Command(name = "demo", sortOptions = false,
        description = "Start two throwaway PostgreSQL servers, fill the source with a realistic table while an "
                + "application keeps writing, and run the Ferry pipeline between them. Stops the servers at the end.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "200000", description = "Rows in the demo table (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = {"-v", "--verbose"}, description = "Print causes of failures and library logs.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.println("== Starting two throwaway PostgreSQL servers");
        try (ServerPair pair = ServerPair.start()) {
            PgServer source = pair.source();
            PgServer target = pair.target();
            out.println("   source: " + source + "  (wal_level=logical)");
            out.println("   target: " + target);
            source.execute("CREATE DATABASE shop");
            target.execute("CREATE DATABASE shop");
            out.println("== Filling the source with " + rows + " orders");
            DemoData.load(source, "shop", rows);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong writes = new AtomicLong();
            Thread app = DemoData.application(source, "shop", stop, writes);
            app.start();
            out.println("== An application now writes to the source continuously");
            String src = source.uri("shop");
            String tgt = target.uri("shop");
            List<String[]> steps = new ArrayList<>();
            steps.add(new String[] {"check", "--source", src, "--target", tgt});
            int worst = 0;
            try {
                for (String[] step : steps) {
                    if (spec.commandLine().getParent().getSubcommands().get(step[0]) == null) {
                        continue;
                    }
                    out.println();
                    out.println("$ ferry " + String.join(" ", step));
                    out.flush();
                    int code = spec.commandLine().getParent().execute(step);
                    out.println("   -> exit " + code);
                    worst = Math.max(worst, code);
                    if (code != 0) {
                        break;
                    }
                }
            } finally {
                stop.set(true);
                app.join(5000);
            }
            out.println();
            out.println("== The application wrote " + writes.get() + " transactions during the demo");
            out.println("== Stopping the servers");
            if (worst != 0) {
                throw new FerryException(ExitCode.values()[Math.min(worst, 4)], "a demo step failed (see above)");
            }
            out.println("Demo finished.");
            return 0;
        }
    }
}
