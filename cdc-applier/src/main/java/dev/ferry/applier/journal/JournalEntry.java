package dev.ferry.applier.journal;

import dev.ferry.applier.debezium.TruncateOptions;
import dev.ferry.core.Lsn;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.TableId;
import java.time.Instant;
import java.util.Map;

/**
 * One source change as journaled: before any transform, so a replay exercises the transforms again.
 *
 * @param lsn        the change's commit LSN (every change of a transaction shares it)
 * @param xid        the source transaction id
 * @param commitTime the source commit time, or null when unknown
 * @param key        the identity columns' values (key, or every column of a keyless table); empty for TRUNCATE
 * @param values     the new values for inserts and updates (absent columns were not sent: unchanged TOAST);
 *                   empty for deletes and TRUNCATE. Text form, null for SQL NULL.
 * @param truncate   a TRUNCATE's options; {@link TruncateOptions#NONE} for every other change
 */
public record JournalEntry(Lsn lsn, long xid, Instant commitTime, TableId table, Op op, Map<String, String> key,
                           Map<String, String> values, TruncateOptions truncate) {

    public JournalEntry(Lsn lsn, long xid, Instant commitTime, TableId table, Op op, Map<String, String> key,
                        Map<String, String> values) {
        this(lsn, xid, commitTime, table, op, key, values, TruncateOptions.NONE);
    }
}
