package dev.ferry.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Db;
import dev.ferry.core.JdbcLookup;
import dev.ferry.core.ServerErrors;
import dev.ferry.transforms.Lookup;
import dev.ferry.verify.RowDifference;
import dev.ferry.verify.TableResult;
import dev.ferry.verify.Verifier;
import dev.ferry.verify.VerifyOptions;
import dev.ferry.verify.VerifyResult;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ferry verify}: proves source and target hold the same rows, or names the ones that differ. */
@Command(name = "verify", sortOptions = false, usageHelpAutoWidth = true, mixinStandardHelpOptions = true,
        description = {
            "Compare every table of the source with the target: row counts and hashes computed inside both",
            "servers, narrowed down to the rows that differ, which are listed by key. Works while the stream",
            "runs: the target is read once the stream has applied what the source read saw, and a difference is",
            "read again before it is reported. Exit status 0 when everything is equal, 1 when something differs."})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--jobs", paramLabel = "N",
            description = "Connections per server scanning at once, and tables compared at once (default: the "
                    + "number of cores, or 'jobs:' in ferry.yml).")
    Integer jobs;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
            description = "Differing rows listed per table; all are counted (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--rechecks", paramLabel = "N",
            description = "Fresh re-reads of a difference before it is reported (default: 2 while a stream is "
                    + "recorded on the target, 0 otherwise).")
    Integer rechecks;

    @Option(names = "--max-wait", paramLabel = "SECONDS", defaultValue = "60",
            description = "Longest wait for the stream to catch up before a read of the target "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxWait;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Settings s = connection.resolve(true, true);
        int j = jobs != null ? jobs
                : s.file().jobs() != null ? s.file().jobs() : Runtime.getRuntime().availableProcessors();
        if (j < 1 || limit < 0 || maxWait < 0 || (rechecks != null && rechecks < 0)) {
            throw FerryException.usage("--jobs must be at least 1, and --limit, --rechecks and --max-wait not negative");
        }
        boolean transforms = s.file().transforms() != null && !s.file().transforms().isEmpty();
        // Enrichment transforms read other source tables; one connection serves them all, one lookup at a time.
        try (Connection lookups = transforms ? Db.open(s.source(), "source", "verify lookup") : null) {
            Lookup lookup = lookups == null ? null : synchronizedLookup(new JdbcLookup(lookups));
            VerifyOptions options = VerifyOptions.of(s.source(), s.target())
                    .withTables(s.tables()).withJobs(j).withStateSchema(s.stateSchema())
                    .withChain(Transforms.chain(s, lookup))
                    .withListLimit(limit).withRechecks(rechecks == null ? -1 : rechecks)
                    .withMaxWait(Duration.ofSeconds(maxWait));
            PrintWriter out = spec.commandLine().getOut();
            // In text, each table is printed as soon as it is compared: a long run shows its progress.
            VerifyResult result = Verifier.verify(options, t -> {
                if (!json) {
                    out.print(text(t));
                    out.flush();
                }
            });
            out.print(json ? json(result) : summary(result));
            out.flush();
            return result.equal() ? ExitCode.OK.status() : ExitCode.PROBLEMS.status();
        } catch (SQLException e) {
            throw ServerErrors.during("closing the lookup connection", "source", e);
        }
    }

    private static Lookup synchronizedLookup(Lookup lookup) {
        return (table, key) -> {
            synchronized (lookup) {
                return lookup.find(table, key);
            }
        };
    }

    static String text(TableResult t) {
        StringBuilder sb = new StringBuilder();
        String name = t.table().equals(t.target()) ? t.table().toString() : t.table() + " -> " + t.target();
        if (t.equal()) {
            sb.append(name).append(": equal, ").append(rows(t.sourceRows())).append(" rows (")
                    .append(seconds(t.seconds())).append(")\n");
            t.notes().forEach(n -> sb.append("  note: ").append(n).append('\n'));
            return sb.toString();
        }
        sb.append(name).append(": DIFFERENT");
        if (t.sourceRows() >= 0) {
            sb.append(", ").append(t.atLeast() ? "at least " : "").append(rows(t.differences()))
                    .append(t.differences() == 1 && !t.atLeast() ? " row differs" : " rows differ")
                    .append(" (source ").append(rows(t.sourceRows())).append(" rows, target ")
                    .append(rows(t.targetRows())).append(" rows)");
        }
        sb.append('\n');
        t.problems().forEach(p -> sb.append("  ").append(p).append('\n'));
        for (RowDifference d : t.listed()) {
            sb.append("  ").append(d).append('\n');
        }
        if (t.unlisted() > 0) {
            sb.append("  ... and ").append(rows(t.unlisted())).append(" more\n");
        }
        t.notes().forEach(n -> sb.append("  note: ").append(n).append('\n'));
        return sb.toString();
    }

    static String summary(VerifyResult r) {
        return "verify: " + r.tables().size() + (r.tables().size() == 1 ? " table" : " tables") + " compared in "
                + seconds(r.seconds()) + "; " + (r.equal() ? "all equal" : r.differingTables() + " differ") + "\n";
    }

    static String json(VerifyResult r) {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("equal", r.equal());
        root.put("seconds", r.seconds());
        ArrayNode tables = root.putArray("tables");
        for (TableResult t : r.tables()) {
            ObjectNode n = tables.addObject();
            n.put("table", t.table().toString());
            n.put("target", t.target().toString());
            n.put("equal", t.equal());
            n.put("method", t.method());
            n.put("source_rows", t.sourceRows());
            n.put("target_rows", t.targetRows());
            n.put("differences", t.differences());
            n.put("differences_at_least", t.atLeast());
            ArrayNode listed = n.putArray("listed");
            for (RowDifference d : t.listed()) {
                listed.addObject().put("kind", d.kind().name().toLowerCase(Locale.ROOT)).put("key", d.key())
                        .put("copies", d.copies());
            }
            n.put("unlisted", t.unlisted());
            t.problems().forEach(n.putArray("problems")::add);
            t.notes().forEach(n.putArray("notes")::add);
            n.put("seconds", t.seconds());
        }
        try {
            return m.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw FerryException.internal("cannot write the result as JSON", e);
        }
    }

    private static String rows(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }
}
