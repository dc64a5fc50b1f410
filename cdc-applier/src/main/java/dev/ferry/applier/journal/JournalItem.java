package dev.ferry.applier.journal;

import dev.ferry.core.Lsn;
import java.time.Instant;

/** One line of a journal: a change, or the commit that ends a source transaction. */
public sealed interface JournalItem permits JournalItem.Change, JournalItem.Commit {

    record Change(JournalEntry entry) implements JournalItem {}

    record Commit(long xid, Lsn lsn, Instant commitTime) implements JournalItem {}
}
