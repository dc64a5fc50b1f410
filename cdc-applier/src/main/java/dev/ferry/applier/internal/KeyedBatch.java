package dev.ferry.applier.internal;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Changes held for tables whose rows may be written in any order, coalesced per key: only the last state of
 * each key is written, and all of a table's changes become a few multi-row statements (deletes, then upserts
 * and partial updates grouped by the columns they carry) instead of one per run of consecutive alike changes.
 * That is only safe where no constraint but the primary key relates rows of the table (no other unique index,
 * no exclusion constraint) and no trigger or foreign key fires, which {@code session_replication_role = replica}
 * ensures. Not thread-safe.
 */
final class KeyedBatch {

    /** What a key comes to: an optional delete of the row that was there, then an optional image. */
    record Pending(boolean deleteFirst, TargetWriter.Kind kind, Row row) {}

    /** A table's coalesced changes, ready to write in this order. */
    record Groups(List<Row> deletes, Map<List<Column>, List<Row>> upserts, Map<List<Column>, List<Row>> updates) {}

    private final Map<TableId, Map<List<String>, Pending>> tables = new LinkedHashMap<>();
    private int size;

    /** Keys held, over all tables. */
    int size() {
        return size;
    }

    void add(TargetWriter.Kind kind, Row row, List<String> key) {
        Map<List<String>, Pending> keys = tables.computeIfAbsent(row.table(), t -> new LinkedHashMap<>());
        Pending before = keys.get(key);
        if (before == null) {
            size++;
        }
        keys.put(key, merge(before, kind, row));
    }

    static Pending merge(Pending before, TargetWriter.Kind kind, Row row) {
        if (kind == TargetWriter.Kind.DELETE) {
            return new Pending(true, null, row);
        }
        if (before == null) {
            return new Pending(false, kind, row);
        }
        if (before.kind() == null || kind == TargetWriter.Kind.UPSERT) {
            // After a delete the row starts afresh; a complete image replaces whatever was held.
            return new Pending(before.deleteFirst(), kind, row);
        }
        // A partial update (unchanged TOAST values not sent) over an earlier image: keep the earlier values of
        // the columns it lacks; over a full image the result is full again.
        Row merged = row.withAll(absentFrom(row, before.row()));
        return new Pending(before.deleteFirst(), before.kind(), merged);
    }

    private static Map<String, String> absentFrom(Row row, Row earlier) {
        Map<String, String> out = new LinkedHashMap<>();
        earlier.asMap().forEach((k, v) -> {
            if (!row.has(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Removes and returns every table's changes, grouped for writing. */
    Map<TableId, Groups> drain() {
        Map<TableId, Groups> out = new LinkedHashMap<>();
        for (Map.Entry<TableId, Map<List<String>, Pending>> e : tables.entrySet()) {
            Groups g = new Groups(new ArrayList<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
            for (Pending p : e.getValue().values()) {
                if (p.deleteFirst()) {
                    g.deletes().add(p.row());
                }
                if (p.kind() != null) {
                    (p.kind() == TargetWriter.Kind.UPSERT ? g.upserts() : g.updates())
                            .computeIfAbsent(TargetWriter.present(p.row()), c -> new ArrayList<>()).add(p.row());
                }
            }
            out.put(e.getKey(), g);
        }
        tables.clear();
        size = 0;
        return out;
    }
}
