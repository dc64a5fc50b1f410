package dev.ferry.applier.journal;

import dev.ferry.core.Lsn;
import java.time.Instant;

/**
 * One line of a journal: a table's shape, a change, or the commit that ends a source transaction; and, from the
 * reader, the end of a transaction whose commit line never came.
 */
public sealed interface JournalItem permits JournalItem.Table, JournalItem.Change, JournalItem.Commit,
        JournalItem.Torn {

    /** A table's shape, written before its first change in each file, so a journal replays without the source. */
    record Table(dev.ferry.transforms.TableSchema schema) implements JournalItem {}

    record Change(JournalEntry entry) implements JournalItem {}

    record Commit(long xid, Lsn lsn, Instant commitTime) implements JournalItem {}

    /**
     * The changes read since the last commit belong to a transaction cut off by a crash: {@code file} ended
     * without its commit line (the writer rotates files only after a commit, and a restarted writer starts a new
     * file). Never apply them: the target never committed them, and Debezium delivers the whole transaction again
     * after the restart, in a later file.
     */
    record Torn(String file, long xid) implements JournalItem {}
}
