package dev.ferry.switchover.internal;

import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Runs the user's {@code --then} command: the traffic step when Ferry does not manage PgBouncer itself. */
public final class HookCommand {
    static final long TIMEOUT_SECONDS = 30;

    private HookCommand() {}

    public static void run(String command, PrintWriter out) {
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new FerryException(ExitCode.PROBLEMS, "the --then command did not finish within "
                        + TIMEOUT_SECONDS + " s");
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!output.isEmpty()) {
                out.println(output);
            }
            if (p.exitValue() != 0) {
                throw new FerryException(ExitCode.PROBLEMS, "the --then command exited with status " + p.exitValue());
            }
        } catch (IOException e) {
            throw new FerryException(ExitCode.USAGE, "cannot run the --then command: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.internal("interrupted while running --then", e);
        }
    }
}
