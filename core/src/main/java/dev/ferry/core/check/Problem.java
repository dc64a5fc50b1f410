package dev.ferry.core.check;

/**
 * One finding of {@code ferry check}: a sentence that names what is wrong, the object and the fix.
 *
 * @param severity whether it blocks a run
 * @param check    a short stable name of the check that found it ({@code wal_level}, {@code replica_identity}...),
 *                 for {@code --json} output and scripts
 * @param message  one sentence for people; never contains a password
 */
public record Problem(Severity severity, String check, String message) {

    public enum Severity {
        /** Ferry cannot run until it is fixed: the check exits 1. */
        PROBLEM,
        /** Worth knowing, a risk during the run, but not a blocker. */
        WARNING,
        /** A fact about the setup, printed for the record. */
        INFO
    }

    public static Problem problem(String check, String message) {
        return new Problem(Severity.PROBLEM, check, message);
    }

    public static Problem warning(String check, String message) {
        return new Problem(Severity.WARNING, check, message);
    }

    public static Problem info(String check, String message) {
        return new Problem(Severity.INFO, check, message);
    }

    public boolean blocks() {
        return severity == Severity.PROBLEM;
    }
}
