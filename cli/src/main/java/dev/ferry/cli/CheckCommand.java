package dev.ferry.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.core.check.CheckReport;
import dev.ferry.core.check.Preflight;
import dev.ferry.core.check.Problem;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check every prerequisite of a run on both servers and report all problems at once, each as one "
                + "sentence with its fix: wal_level, free replication slots and WAL senders, the REPLICATION and SELECT "
                + "privileges, a primary key or REPLICA IDENTITY FULL on every table, column types, long transactions, "
                + "max_slot_wal_keep_size, lc_monetary; on the target: reachable, writable, empty tables, the right to "
                + "create tables and set session_replication_role; for the objects around the tables: the roles they "
                + "name, their extensions, BYPASSRLS where tables have row-level security, triggers that would fire on "
                + "replicated rows, functions PostgreSQL 17 runs under a fixed search_path, and what is left out.",
                "Only reads. Exit 0 when ready, 1 when problems were found, 3 when a server cannot be reached. "
                        + "Warnings do not change the exit status."})
final class CheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    ObjectFlags objects = new ObjectFlags();

    @Option(names = "--json", description = "Print the findings as one JSON object instead of sentences.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Settings s = connection.resolve(true, true);
        CheckReport report = new Preflight(s.source(), s.target(), s.tables(), s.stateSchema())
                .withObjects(objects.options(s)).withTransforms(Transforms.chain(s, null)).run();
        if (!report.unreachable()) {
            List<Problem> all = new java.util.ArrayList<>(report.problems());
            all.addAll(SchemaCheck.run(s));
            if (s.inPlace() != null) {
                all = InPlaceCheck.adjust(s, all);
            }
            report = new CheckReport(all, false, report.tablesChecked());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(report, s));
        } else {
            for (Problem p : report.problems()) {
                out.println(p.severity().name().toLowerCase(Locale.ROOT) + ": " + p.message());
            }
            out.println(summary(report, s));
        }
        out.flush();
        return report.exitCode().status();
    }

    private static String summary(CheckReport r, Settings s) {
        long problems = r.count(Problem.Severity.PROBLEM);
        long warnings = r.count(Problem.Severity.WARNING);
        String counted = problems + " problem" + (problems == 1 ? "" : "s") + ", " + warnings + " warning"
                + (warnings == 1 ? "" : "s");
        if (r.ready()) {
            return "ready: " + s.source().address() + " can move to " + s.target().address() + " (" + r.tablesChecked()
                    + " table" + (r.tablesChecked() == 1 ? "" : "s") + " checked, " + counted + ")";
        }
        return "not ready: " + counted + "; fix the problems above and run ferry check again";
    }

    private static String toJson(CheckReport r, Settings s) throws Exception {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("ready", r.ready());
        doc.put("exit", r.exitCode().status());
        doc.put("source", s.source().redacted());
        doc.put("target", s.target().redacted());
        doc.put("tables_checked", r.tablesChecked());
        List<Map<String, String>> findings = r.problems().stream().map(p -> {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("severity", p.severity().name().toLowerCase(Locale.ROOT));
            m.put("check", p.check());
            m.put("message", p.message());
            return m;
        }).toList();
        doc.put("findings", findings);
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc);
    }
}
