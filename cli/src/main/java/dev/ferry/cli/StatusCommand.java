package dev.ferry.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.PgPass;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.RunStatus;
import dev.ferry.core.state.StateStore;
import dev.ferry.switchover.SwitchStatus;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show where the run stands, from any terminal: phase, slot and applied positions, lag in bytes "
                + "and seconds, changes/s, WAL the slot retains on the source, per-table copy state, dead letters and "
                + "the switch state. Reads the state store on --target, and the source given, or else the one the run recorded "
                + "(its password from PGPASSWORD or ~/.pgpass), for the slot and the lag.",
                "Only reads."})
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--json", description = "Print the status as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Settings s = connection.resolve(false, true);
        PrintWriter out = spec.commandLine().getOut();
        try (StateStore store = StateStore.openExisting(s.target(), s.stateSchema()).orElseThrow(() -> new FerryException(
                ExitCode.USAGE, "there is no Ferry run on the target " + s.target().address() + " (no state schema \""
                + s.stateSchema() + "\"); run \"ferry start\" first"))) {
            if (store.run().isEmpty()) {
                throw new FerryException(ExitCode.USAGE, "there is no Ferry run on the target " + s.target().address()
                        + "; run \"ferry start\" first");
            }
            ConnectionSpec source = source(s, store.run().get());
            RunStatus st = RunStatus.read(store, source, Duration.ofSeconds(1));
            SwitchStatus sw = SwitchStatus.read(store, source, s.inPlace() != null);
            if (json) {
                Map<String, Object> m = toMap(st);
                m.put("switch_outcome", sw.outcome().name().toLowerCase());
                m.put("switch_detail", sw.sentence());
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
            } else {
                print(out, st, s, sw);
            }
        }
        return 0;
    }

    /**
     * The source to read: --source, FERRY_SOURCE or ferry.yml, else the run's recorded URI (stored without its
     * password, which PGPASSWORD or ~/.pgpass may supply).
     */
    private static ConnectionSpec source(Settings s, RunInfo run) {
        if (s.source() != null) {
            return s.source();
        }
        try {
            ConnectionSpec recorded = ConnectionSpec.parse(run.source());
            return PgPass.complete(recorded.hasPassword() ? recorded.withPassword(null) : recorded, System.getenv());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void print(PrintWriter out, RunStatus st, Settings s, SwitchStatus sw) {
        out.printf("run       %s -> %s, phase %s, started %s%n", st.run().source(), s.target().redacted(), st.run().phase(),
                st.run().startedAt().truncatedTo(ChronoUnit.SECONDS));
        out.printf("running   %s%n", st.writer() != null ? st.writer()
                : st.slot() != null && st.slot().active() ? "a stream reads the slot (walsender pid " + st.slot().activePid() + ")"
                : st.slot() != null ? "nothing reads the slot: start \"ferry stream\" to apply changes" : "unknown without the source");
        out.printf("applied   %s (%,d changes, %.0f changes/s now)%n", st.applied(), st.changesApplied(), st.changesPerSecond());
        if (st.lastStop() != null) {
            out.printf("stopped   %s: %s%n", st.lastStop().at().truncatedTo(ChronoUnit.SECONDS), st.lastStop().reason());
        }
        if (st.sourceProblem() != null) {
            out.println("source    not read: " + st.sourceProblem());
        } else if (st.lagBytes() < 0) {
            out.println("source    not asked (give --source for the slot and the lag)");
        } else if (st.slot() == null) {
            out.println("slot      \"" + st.run().slot() + "\" does not exist on the source: the run must start over");
        } else {
            out.printf("slot      \"%s\" %s, confirmed %s, restart %s, wal_status %s, retains %s of WAL%n", st.run().slot(),
                    st.slot().active() ? "active (walsender pid " + st.slot().activePid() + ")"
                            : "INACTIVE (nothing is streaming)", st.slot().confirmedFlush(), st.slot().restart(),
                    st.slot().walStatus(), bytes(st.slot().retainedBytes()));
        }
        if (s.inPlace() != null && st.slot() != null) {
            // Ferry's own writes to the shadows add WAL after every change: the end of WAL is no measure here.
            out.printf("lag       %s to the last change of the original tables (in place; %s to the end of WAL)%n",
                    bytes(dev.ferry.core.inplace.InPlaceLag.read(s.source(), st.run().slot(), st.run().publication(),
                            s.stateSchema())), bytes(st.lagBytes()));
        } else if (st.lagBytes() >= 0) {
            out.printf("lag       %s, %.1f s (source at %s, stream at %s)%n", bytes(st.lagBytes()), st.lagSeconds(),
                    st.slot() == null ? "?" : st.slot().current(), st.position());
        }
        out.printf("switch    %s%n", sw.sentence());
        if (!st.snapshotSteps().isEmpty()) {
            out.printf("snapshot  %s%n", st.snapshotSteps().entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.1f s", e.getKey().label(), e.getValue()))
                    .collect(Collectors.joining(", ")));
        }
        if (st.deadLetters() > 0) {
            out.printf("dead      %,d row(s) a transform rejected, in %s.dead_letters%n", st.deadLetters(), s.stateSchema());
        }
        out.println();
        out.printf("%-40s %-12s %14s %10s%n", "table", "state", "rows copied", "chunks");
        for (RunStatus.TableState t : st.tables()) {
            out.printf("%-40s %-12s %,14d %10s%n", t.source().equals(t.target()) ? t.source() : t.source() + " -> " + t.target(),
                    t.state(), t.rows(), t.chunksDone() + "/" + t.chunks());
        }
    }

    static String bytes(long n) {
        if (n < 0) {
            return "?";
        }
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format("%.1f %s", v, units[u]);
    }

    private static Map<String, Object> toMap(RunStatus st) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", st.run().phase().name().toLowerCase());
        m.put("source", st.run().source());
        m.put("slot", st.run().slot());
        m.put("publication", st.run().publication());
        m.put("consistent_lsn", st.run().consistentLsn().toString());
        m.put("running", st.writer());
        m.put("applied_lsn", st.applied().toString());
        m.put("stream_lsn", st.position().toString());
        m.put("changes_applied", st.changesApplied());
        m.put("changes_per_second", st.changesPerSecond());
        m.put("lag_bytes", st.lagBytes());
        m.put("lag_seconds", st.lagSeconds());
        if (st.slot() != null) {
            Map<String, Object> slot = new LinkedHashMap<>();
            slot.put("active", st.slot().active());
            slot.put("active_pid", st.slot().activePid() == 0 ? null : st.slot().activePid());
            slot.put("confirmed_flush_lsn", st.slot().confirmedFlush().toString());
            slot.put("restart_lsn", st.slot().restart().toString());
            slot.put("wal_status", st.slot().walStatus());
            slot.put("retained_wal_bytes", st.slot().retainedBytes());
            slot.put("source_lsn", st.slot().current().toString());
            m.put("slot_state", slot);
        }
        m.put("source_problem", st.sourceProblem());
        m.put("switch", st.switchState());
        m.put("dead_letters", st.deadLetters());
        m.put("stop_reason", st.lastStop() == null ? null : st.lastStop().reason());
        m.put("stopped_at", st.lastStop() == null ? null : st.lastStop().at().toString());
        Map<String, Object> steps = new LinkedHashMap<>();
        st.snapshotSteps().forEach((k, v) -> steps.put(k.key(), v));
        m.put("snapshot_seconds", steps);
        m.put("tables", st.tables().stream().map(t -> {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("source", t.source());
            tm.put("target", t.target());
            tm.put("state", t.state());
            tm.put("rows_copied", t.rows());
            tm.put("chunks_done", t.chunksDone());
            tm.put("chunks", t.chunks());
            return tm;
        }).toList());
        return m;
    }
}
