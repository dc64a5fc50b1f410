package dev.ferry.cli;

import dev.ferry.switchover.Fence;
import dev.ferry.switchover.LargeObjectStep;
import dev.ferry.switchover.LockFence;
import dev.ferry.core.objects.ObjectMigration;
import dev.ferry.core.objects.ObjectOptions;
import dev.ferry.core.objects.ObjectScope;
import dev.ferry.switchover.MigratedTables;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TransformChain;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import dev.ferry.switchover.PgBouncerFence;
import dev.ferry.switchover.Switchover;
import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.state.StateStore;
import dev.ferry.snapshot.DeferredBuilds;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "switch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Cut over to the target while \"ferry start\" or \"ferry stream\" runs: hold writes on the source, "
                + "wait until the stream has applied everything (lag exactly zero), set sequences, switch traffic, and "
                + "report how long writes were held.",
                "On timeout or failure before the traffic step, writes are released to the source and nothing changes. "
                        + "A killed switch is finished (once the source was write-protected) or undone by running it "
                        + "again; \"ferry status\" shows whether the run is not switched, held or switched."})
final class SwitchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--timeout", defaultValue = "30s", paramLabel = "DURATION",
            description = "Give up (and release writes) after this long: 30s, 500ms, 2m (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--fence", defaultValue = "lock", paramLabel = "lock|pgbouncer",
            description = "How writes are held: table locks on the source, or PAUSE in PgBouncer (default: ${DEFAULT-VALUE}).")
    String fenceKind;

    @Option(names = "--then", paramLabel = "CMD", description = "Shell command that sends traffic to the target. It "
            + "runs once the target has every change and its sequences and the source refuses writes to the migrated "
            + "tables, before writes are released (with --fence pgbouncer: after Ferry repoints and reloads PgBouncer, "
            + "before RESUME). It must be idempotent: when a switch is stopped during it, the next \"ferry switch\" "
            + "runs it again. Output is shown; a non-zero exit leaves the switch for a re-run to finish.")
    String then;

    @Option(names = "--pgbouncer", paramLabel = "URI", description = "PgBouncer admin console, "
            + "e.g. postgresql://pgbouncer@127.0.0.1:6432/pgbouncer.")
    String pgbouncer;

    @Option(names = "--pgbouncer-ini", paramLabel = "FILE", description = "pgbouncer.ini to repoint at the target.")
    Path pgbouncerIni;

    @Option(names = "--pgbouncer-database", paramLabel = "NAME",
            description = "The database's name in PgBouncer (default: the source database's name).")
    String pgbouncerDatabase;

    @Option(names = "--sequence-margin", defaultValue = "0", paramLabel = "N",
            description = "Move every sequence N further in its own direction than the source's value, as a "
                    + "safety margin (default: ${DEFAULT-VALUE}).")
    long sequenceMargin;

    @Option(names = "--skip-sequence", paramLabel = "NAME", description = "Switch even though sequence NAME cannot "
            + "be carried to the target (you set it there yourself); repeat for each.")
    List<String> skipSequences = new ArrayList<>();

    @Option(names = "--large-objects", description = "Copy the large objects (pg_largeobject) that changed since the "
            + "snapshot again before holding writes and, with --fence pgbouncer (which holds lo_* writes too), once more "
            + "while writes are held, the time it takes printed; with --fence lock, those changed after the first copy are "
            + "named as left behind. Without it, every large object that differs is named.")
    boolean largeObjects;

    @Option(names = "--abort", description = "Undo an unfinished switch whose traffic step has not begun (resume "
            + "PgBouncer, lift the source's write protection); the stream continues. Says so when it is too late.")
    boolean abort;

    @Override
    public Integer call() {
        Settings s = connection.resolve(true, true);
        PrintWriter out = spec.commandLine().getOut();
        StateStore store = StateStore.openExisting(s.target(), s.stateSchema()).orElseThrow(() -> new FerryException(
                ExitCode.USAGE, "there is no Ferry run on the target " + s.target().address() + "; run \"ferry start\" first"));
        try (store) {
            store.lockWriter("switch");
            String publication = store.run().map(r -> r.publication()).orElse("ferry_pub");
            if (s.inPlace() != null) {
                return InPlaceSwitch.run(s, store, publication, parseDuration(timeout), then, abort, out);
            }
            ObjectScope scope = objectScope(s, store, publication);
            List<List<String>> states = new ArrayList<>();
            ObjectOptions objectOptions = new ObjectOptions(false, false, false, s.file().objectChoices());
            LargeObjectStep lo = new LargeObjectStep(s.source(), s.target(), objectOptions, largeObjects,
                    "pgbouncer".equals(fenceKind), out);
            Switchover.Options options = new Switchover.Options(parseDuration(timeout), sequenceMargin, then,
                    java.util.Set.copyOf(skipSequences), () -> {
                        DeferredBuilds.requireBuilt(store);
                        states.add(ObjectMigration.beforeSwitch(s.source(), s.target(), scope, objectOptions,
                                out::println));
                        out.flush();
                        lo.beforeFence();
                    }, () -> {
                        // A switch finishing an interrupted one did not run the steps before the fence.
                        if (states.isEmpty()) {
                            ObjectMigration.enableAsOnSource(s.source(), s.target(), scope);
                        } else {
                            ObjectMigration.applyStates(s.target(), states.get(0));
                        }
                        lo.inWindow();
                    });
            MigratedTables tables = MigratedTables.read(s.source(), publication);
            Switchover sw = new Switchover(s.source(), s.target(), store, fence(s, tables), tables, out);
            if (abort) {
                out.println(sw.abort());
                return 0;
            }
            Switchover.Result r = sw.run(options);
            if (r.note() != null) {
                out.println("Switched to " + s.target().address() + ": " + r.note()
                        + (r.sequences() > 0 ? " (" + r.sequences() + " sequence(s) set)" : "") + ".");
            } else {
                out.printf("Switched to %s: writes were held for %d ms, %d ms without the --then hook (drained to the "
                        + "fence %s in %d ms, %d sequence(s) set).%n", s.target().address(), r.heldMillis(),
                        r.heldWithoutHookMillis(), r.fence(), r.drainMillis(), r.sequences());
                out.println("Held window: " + r.timings() + ".");
                lo.afterSwitch();
            }
            return 0;
        }
    }

    /** The run's tables (source to target names) and those a transform reshapes: the objects' scope. */
    private static ObjectScope objectScope(Settings s, StateStore store, String publication) {
        TransformChain chain = Transforms.chain(s, null);
        Map<TableId, TableId> tables = store.targetTables();
        Set<TableId> reshaped = tables.keySet().stream().filter(t -> !chain.passesThrough(t)).collect(Collectors.toSet());
        return ObjectScope.of(tables, reshaped, s.stateSchema(), publication);
    }

    private Fence fence(Settings s, MigratedTables tables) {
        LockFence locks = new LockFence(s.source(), tables.tables(), tables.relations());
        return switch (fenceKind) {
            case "lock" -> locks;
            case "pgbouncer" -> {
                if (pgbouncer == null || pgbouncerIni == null) {
                    throw FerryException.usage("--fence pgbouncer needs --pgbouncer (the admin console URI) and "
                            + "--pgbouncer-ini (the file to repoint)");
                }
                PgBouncerFence f = new PgBouncerFence(ConnectionSpec.parse(pgbouncer),
                        pgbouncerDatabase != null ? pgbouncerDatabase : s.source().database(), pgbouncerIni, s.target(),
                        locks);
                f.requireTransactionPooling();
                f.requireIniUsable();
                yield f;
            }
            default -> throw FerryException.usage("--fence must be lock or pgbouncer, not \"" + fenceKind + "\"");
        };
    }

    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException e) {
            throw FerryException.usage("\"" + text + "\" is not a duration; write it as 30s, 500ms or 2m");
        }
    }
}
