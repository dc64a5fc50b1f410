package dev.ferry.core;

/**
 * The one exception Ferry reports to users. Its message is a complete sentence naming what failed and
 * the fix; the exit code says which kind of failure it was. Never carries a password.
 */
public class FerryException extends RuntimeException {
    private final ExitCode code;

    public FerryException(ExitCode code, String message) {
        super(message);
        this.code = code;
    }

    public FerryException(ExitCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ExitCode code() {
        return code;
    }

    public static FerryException usage(String message) {
        return new FerryException(ExitCode.USAGE, message);
    }

    public static FerryException server(String message, Throwable cause) {
        return new FerryException(ExitCode.SERVER, message, cause);
    }

    public static FerryException internal(String message, Throwable cause) {
        return new FerryException(ExitCode.INTERNAL, message, cause);
    }
}
