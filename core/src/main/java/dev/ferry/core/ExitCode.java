package dev.ferry.core;

/** Exit statuses, the same for every command. */
public enum ExitCode {
    /** Success. */
    OK(0),
    /** The check found problems, or verify found differences. */
    PROBLEMS(1),
    /** Bad usage or configuration. */
    USAGE(2),
    /** A server refused or could not be reached. */
    SERVER(3),
    /** A bug or an unexpected state in Ferry itself. */
    INTERNAL(4);

    private final int status;

    ExitCode(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }
}
