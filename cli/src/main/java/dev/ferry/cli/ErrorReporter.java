package dev.ferry.cli;

import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.transforms.TransformException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * The one place a failure becomes output: one sentence on stderr, the cause chain only with {@code --verbose},
 * and the exit code the failure carries.
 */
final class ErrorReporter implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        FerryException f = asFerry(ex);
        err.println("ferry: " + f.getMessage());
        if (Logging.verbose()) {
            for (Throwable t = f.getCause(); t != null; t = t.getCause()) {
                err.println("  caused by: " + t);
            }
            if (f.code() == ExitCode.INTERNAL) {
                ex.printStackTrace(err);
            }
        } else if (f.code() == ExitCode.INTERNAL) {
            err.println("This is a bug in Ferry; run again with --verbose and report the output.");
        }
        err.flush();
        return f.code().status();
    }

    static FerryException asFerry(Throwable ex) {
        if (ex instanceof FerryException f) {
            return f;
        }
        if (ex instanceof TransformException t) {
            return new FerryException(ExitCode.USAGE, t.getMessage() + "; fix the transform or its configuration "
                    + "and run the same command again (the position is kept), or pass --on-error dead-letter", t);
        }
        if (ex.getCause() instanceof FerryException f) {
            return f;
        }
        return FerryException.internal("internal error: " + ex, ex);
    }
}
