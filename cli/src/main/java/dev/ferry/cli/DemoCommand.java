package dev.ferry.cli;

import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.ServerPair;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Shows the whole flow on two throwaway servers it starts itself: a PostgreSQL 15 source with an application
 * writing to it, a PostgreSQL 17 target. Every step runs the real command, printed as the user would type it;
 * {@code ferry start} runs as its own process beside the application, as it would in production.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Start two throwaway PostgreSQL servers, fill the source with a realistic table while an "
                + "application keeps writing, and run the whole Ferry pipeline between them: check, start (snapshot "
                + "and stream), verify under live writes, switch with the writes held for well under a second. Stops "
                + "the servers at the end.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rows", defaultValue = "200000", description = "Rows in the demo table (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = {"-v", "--verbose"}, description = "Print causes of failures and library logs.")
    boolean verbose;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("ferry-demo-");
        say("Starting two throwaway PostgreSQL servers");
        try (ServerPair pair = ServerPair.start()) {
            PgServer source = pair.source();
            PgServer target = pair.target();
            out.println("   source: " + source + "  (wal_level=logical)");
            out.println("   target: " + target);
            source.execute("CREATE DATABASE shop");
            target.execute("CREATE DATABASE shop");
            say("Filling the source with " + rows + " orders and 5,000 customers");
            DemoData.load(source, "shop", rows);
            Path switched = work.resolve("traffic-switched");
            DemoData.Application app = new DemoData.Application(source, target, "shop", switched);
            app.start();
            say("An application now writes to the source continuously (new orders, payments, cancellations)");
            String src = source.uri("shop");
            String tgt = target.uri("shop");
            Process start = null;
            try {
                step("check", "--source", src, "--target", tgt);
                Path log = work.resolve("ferry-start.log");
                say("$ ferry start --source " + src + " --target " + tgt + "   (in the background; log: " + log + ")");
                start = launch(log, "start", "--source", src, "--target", tgt);
                awaitStreaming(target, start, log);
                out.println(tail(log));
                say("Snapshot done and the stream is applying the application's writes; comparing both sides live");
                step("verify", "--source", src, "--target", tgt);
                step("switch", "--source", src, "--target", tgt, "--fence", "lock", "--timeout", "30s",
                        "--then", "touch " + switched);
                Thread.sleep(1500);
                say("The application now writes to the target; " + app.written() + " transactions so far, "
                        + app.refused() + " refused by the old server and retried on the new one");
            } finally {
                app.stop();
                if (start != null) {
                    start.destroy();
                    start.waitFor(20, TimeUnit.SECONDS);
                }
            }
            say("After the switch: the source is frozen at the fence, the target has everything since");
            out.println("   orders on the source (write-protected since the switch): "
                    + source.queryValue("shop", "SELECT count(*) FROM orders"));
            out.println("   orders on the target (the application kept writing there): "
                    + target.queryValue("shop", "SELECT count(*) FROM orders"));
            say("The objects around the tables moved too: a view, a function and a trigger, now on the target");
            out.println("   view paid_orders (" + target.queryValue("shop", "SELECT obj_description('paid_orders'::regclass)")
                    + "): " + target.queryValue("shop", "SELECT count(*) FROM paid_orders") + " paid orders on the target");
            out.println("   function customer_total(42) on the target: "
                    + target.queryValue("shop", "SELECT customer_total(42)"));
            String order = target.queryValue("shop", "SELECT max(id) FROM orders");
            String before = target.queryValue("shop", "SELECT updates FROM orders WHERE id = " + order);
            target.execute("shop", "UPDATE orders SET status = 'shipped' WHERE id = " + order);
            out.println("   trigger orders_count_updates fires for writes on the target: order " + order + " had "
                    + before + " update(s), after one more UPDATE it has "
                    + target.queryValue("shop", "SELECT updates FROM orders WHERE id = " + order));
            say("Stopping the servers");
            out.println("Demo finished: every step above is a real ferry command against real servers.");
            return 0;
        } finally {
            deleteQuietly(work);
        }
    }

    private void say(String text) {
        out.println();
        out.println("== " + text);
        out.flush();
    }

    private void step(String... args) {
        out.println();
        out.println("$ ferry " + String.join(" ", args));
        out.flush();
        int code = spec.commandLine().getParent().execute(args);
        out.println("   -> exit " + code);
        if (code != 0) {
            throw new FerryException(ExitCode.values()[Math.min(code, 4)], "demo step \"ferry " + args[0] + "\" failed "
                    + "(exit " + code + ", see above)");
        }
    }

    private static Process launch(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Ferry.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitStreaming(PgServer target, Process start, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (!start.isAlive()) {
                throw new FerryException(ExitCode.INTERNAL, "ferry start stopped: " + tail(log));
            }
            try {
                if ("t".equals(target.queryValue("shop", "SELECT phase = 'STREAMING' FROM ferry.run"))
                        && Files.readString(log).contains("streaming from slot")) {
                    Thread.sleep(1000);
                    return;
                }
            } catch (RuntimeException notYet) {
                // the state schema is created by the snapshot
            }
            Thread.sleep(200);
        }
        throw new FerryException(ExitCode.INTERNAL, "ferry start did not reach streaming within 5 minutes: " + tail(log));
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory
        }
    }
}
