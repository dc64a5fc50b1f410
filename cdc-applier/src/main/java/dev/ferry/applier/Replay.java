package dev.ferry.applier;

import dev.ferry.applier.internal.ChangeLoop;
import dev.ferry.applier.internal.ChangeSink;
import dev.ferry.applier.internal.PrintingSink;
import dev.ferry.applier.internal.TargetWriter;
import dev.ferry.applier.journal.JournalEntry;
import dev.ferry.applier.journal.JournalItem;
import dev.ferry.applier.journal.JournalReader;
import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.core.state.StateStore;
import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code ferry replay}: a journal as just another change source. Its changes go through the same transforms and
 * the same apply path as the stream, transaction by transaction, each committed with its LSN, so a replay
 * stopped half-way continues where it stopped. With {@code dryRun} the changes are printed, not written.
 *
 * <p>A replay that writes holds the state store's writer lock and its applier lock for its whole run, so it never
 * runs beside a snapshot, a switch, a stream or another replay; the applied position it starts from therefore
 * cannot move under it. Transactions at or below that position are rolled back unapplied, so a replay onto a
 * target that is ahead of the journal changes nothing. A transaction the journal holds without its commit line
 * (cut off by a crash; see {@link JournalItem.Torn}) is rolled back too.
 */
public final class Replay {
    private Replay() {}

    /**
     * @param transactions applied (or, in a dry run, that would be)
     * @param skipped      at or below the target's position: applied before
     * @param torn         cut off by a crash in the journal, never applied
     */
    public record Result(long transactions, long skipped, long torn) {}

    public static Result run(ConnectionSpec target, String stateSchema, Path journal, Lsn from, boolean dryRun,
                             Function<Lookup, TransformChain> transforms, PrintWriter out) {
        Lookup noSource = (table, key) -> {
            throw new FerryException(ExitCode.USAGE, "a transform looks up " + table + ", but a replay has no source "
                    + "to read it from; replay without that transform, or stream instead");
        };
        TransformChain chain = transforms.apply(noSource);
        JournalReader reader = new JournalReader(journal, from);
        if (dryRun) {
            return replay(reader, from, chain, noSource, new PrintingSink(out), out);
        }
        try (StateStore store = StateStore.open(target, stateSchema)) {
            store.lockWriter("replay");
            store.lockApplier("replay");
            return replay(reader, Lsn.max(from, store.appliedLsn()), chain, noSource,
                    new TargetWriter(target, stateSchema), null);
        }
    }

    /** @param out where a dry run says what it leaves out, or null */
    private static Result replay(JournalReader reader, Lsn applied, TransformChain chain, Lookup noSource,
                                 ChangeSink sink, PrintWriter out) {
        Map<TableId, TableSchema> tables = new HashMap<>();
        long transactions = 0;
        long skipped = 0;
        long torn = 0;
        try (sink) {
            ChangeLoop loop = new ChangeLoop(tables, chain, noSource, sink, null, StreamOptions.OnError.STOP, applied,
                    StreamListener.NONE, 1);
            for (JournalItem item : reader) {
                if (item instanceof JournalItem.Table t) {
                    tables.put(t.schema().id(), t.schema());
                } else if (item instanceof JournalItem.Change c) {
                    apply(loop, tables, c.entry());
                } else if (item instanceof JournalItem.Commit c) {
                    if (c.lsn().isAfter(loop.applied())) {
                        transactions++;
                    } else {
                        skipped++;
                    }
                    loop.finishTransaction(c.lsn(), c.xid(), c.commitTime());
                } else if (item instanceof JournalItem.Torn t) {
                    sink.rollback();
                    torn++;
                    if (out != null) {
                        out.println("torn     transaction " + t.xid() + " at the end of " + t.file()
                                + ": its commit line is missing (a crash cut it off), so it is left out");
                    }
                }
            }
            sink.rollback(); // a transaction the journal never saw committed is never applied
        }
        return new Result(transactions, skipped, torn);
    }

    private static void apply(ChangeLoop loop, Map<TableId, TableSchema> tables, JournalEntry e) {
        TableSchema t = tables.get(e.table());
        if (t == null) {
            throw new FerryException(ExitCode.USAGE, "the journal has a change of " + e.table() + " before its table "
                    + "description; it is not a complete Ferry journal (replay from its first file)");
        }
        Row key = Row.partial(t, e.key());
        Row after = e.values().isEmpty() ? null : Row.partial(t, e.values());
        if (e.op() == Op.UPDATE && after != null && t.hasKey() && movesKey(t, key, after)) {
            loop.apply(t, Op.DELETE, key, null, true, false);
            loop.apply(t, Op.INSERT, null, after, false, true);
            return;
        }
        if (e.op() == Op.TRUNCATE) {
            loop.truncate(t, e.truncate());
            return;
        }
        loop.apply(t, e.op(), e.op() == Op.INSERT ? null : key, after, false, false);
    }

    private static boolean movesKey(TableSchema t, Row key, Row after) {
        for (String k : t.key()) {
            if (after.has(k) && key.has(k) && !java.util.Objects.equals(after.get(k), key.get(k))) {
                return true;
            }
        }
        return false;
    }
}
