package dev.ferry.core.check;

import dev.ferry.core.ExitCode;
import java.util.List;

/**
 * What {@link Preflight} found, every problem at once.
 *
 * @param problems         problems, warnings and notes, in the order the checks ran
 * @param unreachable      true when a server could not be reached or refused the login: its checks did not run
 * @param tablesChecked    how many source tables the table checks covered
 */
public record CheckReport(List<Problem> problems, boolean unreachable, int tablesChecked) {

    public CheckReport {
        problems = List.copyOf(problems);
    }

    public long count(Problem.Severity severity) {
        return problems.stream().filter(p -> p.severity() == severity).count();
    }

    /** True when nothing blocks a run. */
    public boolean ready() {
        return !unreachable && problems.stream().noneMatch(Problem::blocks);
    }

    /** 3 when a server was out of reach, 1 when problems were found, 0 when ready. */
    public ExitCode exitCode() {
        return unreachable ? ExitCode.SERVER : ready() ? ExitCode.OK : ExitCode.PROBLEMS;
    }
}
