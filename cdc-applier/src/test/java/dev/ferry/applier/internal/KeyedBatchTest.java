package dev.ferry.applier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.applier.internal.TargetWriter.Kind;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyedBatchTest {
    static final TableSchema T = new TableSchema(new TableId("public", "t"),
            List.of(Column.of("id", "integer"), Column.of("a", "text"), Column.of("big", "text")), List.of("id"));

    static Row full(String id, String a, String big) {
        return Row.of(T, id, a, big);
    }

    static Row partial(String id, String a) {
        return Row.partial(T, Map.of("id", id, "a", a));
    }

    @Test
    void theLastStateOfAKeyWins() {
        KeyedBatch b = new KeyedBatch();
        b.add(Kind.UPSERT, full("1", "x", "B"), List.of("1"));
        b.add(Kind.UPSERT, full("1", "y", "B"), List.of("1"));
        b.add(Kind.UPSERT, full("2", "z", "B"), List.of("2"));
        assertEquals(2, b.size());
        KeyedBatch.Groups g = b.drain().get(T.id());
        assertTrue(g.deletes().isEmpty());
        assertEquals(List.of(full("1", "y", "B"), full("2", "z", "B")), g.upserts().values().iterator().next());
        assertEquals(0, b.size());
    }

    @Test
    void aPartialUpdateKeepsTheValuesItLacksFromAnEarlierImage() {
        KeyedBatch.Pending p = KeyedBatch.merge(null, Kind.UPSERT, full("1", "x", "BIG"));
        p = KeyedBatch.merge(p, Kind.UPDATE_PRESENT, partial("1", "y"));
        assertEquals(Kind.UPSERT, p.kind());
        assertEquals(full("1", "y", "BIG"), p.row());
    }

    @Test
    void partialUpdatesAloneStayPartialAndNeverInventTheUnsentColumn() {
        KeyedBatch.Pending p = KeyedBatch.merge(null, Kind.UPDATE_PRESENT, partial("1", "x"));
        p = KeyedBatch.merge(p, Kind.UPDATE_PRESENT, partial("1", "y"));
        assertEquals(Kind.UPDATE_PRESENT, p.kind());
        assertEquals(partial("1", "y"), p.row());
    }

    @Test
    void aDeleteThenAnInsertDeletesFirstSoColumnsTheInsertLacksStartAfresh() {
        KeyedBatch.Pending p = KeyedBatch.merge(null, Kind.UPSERT, full("1", "x", "BIG"));
        p = KeyedBatch.merge(p, Kind.DELETE, Row.partial(T, Map.of("id", "1")));
        assertTrue(p.deleteFirst());
        assertEquals(null, p.kind());
        p = KeyedBatch.merge(p, Kind.UPSERT, partial("1", "new"));
        assertTrue(p.deleteFirst());
        assertEquals(Kind.UPSERT, p.kind());
        assertEquals(partial("1", "new"), p.row());
    }

    @Test
    void anInsertThenADeleteStillDeletesTheRowACopyMayHold() {
        KeyedBatch b = new KeyedBatch();
        b.add(Kind.UPSERT, full("1", "x", "B"), List.of("1"));
        b.add(Kind.DELETE, Row.partial(T, Map.of("id", "1")), List.of("1"));
        KeyedBatch.Groups g = b.drain().get(T.id());
        assertEquals(1, g.deletes().size());
        assertTrue(g.upserts().isEmpty());
    }
}
