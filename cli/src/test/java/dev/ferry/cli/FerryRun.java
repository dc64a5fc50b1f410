package dev.ferry.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the real {@code ferry} command line, in this JVM ({@link #run}) or as a separate process that a test
 * can kill -9 ({@link #start}).
 */
public record FerryRun(int exit, String out, String err) {

    public static FerryRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Ferry.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new FerryRun(code, out.toString(), err.toString());
    }

    /** Starts {@code ferry args...} in a child JVM with this test's classpath; output goes to {@code log}. */
    public static Process start(Path log, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(env.getOrDefault("FERRY_TEST_HEAP", "-Xmx512m"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Ferry.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    public static Process start(Path log, String... args) throws IOException {
        return start(log, Map.of(), args);
    }

    /** Both streams, for assertion messages. */
    public String all() {
        return "exit " + exit + File.separator + "stdout:\n" + out + "\nstderr:\n" + err;
    }
}
