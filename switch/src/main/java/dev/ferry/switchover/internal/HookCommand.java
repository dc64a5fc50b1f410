package dev.ferry.switchover.internal;

import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs the user's {@code --then} command: the traffic step when Ferry does not manage PgBouncer itself. Its output
 * goes to a file (a pipe nobody reads would stall a chatty command) and is shown, whatever the exit status.
 */
public final class HookCommand {
    static final long TIMEOUT_SECONDS = 30;

    private HookCommand() {}

    public static void run(String command, PrintWriter out) {
        Path log = null;
        try {
            log = Files.createTempFile("ferry-then-", ".log");
            Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            boolean finished = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!finished) {
                p.destroyForcibly();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8).strip();
            if (!output.isEmpty()) {
                out.println(output);
                out.flush();
            }
            if (!finished) {
                throw new FerryException(ExitCode.PROBLEMS, "the --then command did not finish within "
                        + TIMEOUT_SECONDS + " s" + tail(output));
            }
            if (p.exitValue() != 0) {
                throw new FerryException(ExitCode.PROBLEMS, "the --then command exited with status " + p.exitValue()
                        + tail(output));
            }
        } catch (IOException e) {
            throw new FerryException(ExitCode.USAGE, "cannot run the --then command: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.internal("interrupted while running --then", e);
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }

    /** The output's last line, so the one-sentence error carries it too. */
    private static String tail(String output) {
        if (output.isEmpty()) {
            return "";
        }
        String last = output.substring(output.lastIndexOf('\n') + 1).strip();
        return " (it printed: " + (last.length() > 200 ? last.substring(0, 200) + "..." : last) + ")";
    }
}
