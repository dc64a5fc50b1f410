package dev.ferry.applier.journal;

import dev.ferry.core.Lsn;
import java.time.Instant;

/** One line of a journal: a table's shape, a change, or the commit that ends a source transaction. */
public sealed interface JournalItem permits JournalItem.Table, JournalItem.Change, JournalItem.Commit {

    /** A table's shape, written before its first change in each file, so a journal replays without the source. */
    record Table(dev.ferry.transforms.TableSchema schema) implements JournalItem {}

    record Change(JournalEntry entry) implements JournalItem {}

    record Commit(long xid, Lsn lsn, Instant commitTime) implements JournalItem {}
}
