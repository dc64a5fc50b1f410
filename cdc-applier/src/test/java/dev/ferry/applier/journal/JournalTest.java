package dev.ferry.applier.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.Lsn;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    static final TableId T = new TableId("Sales", "order \"lines\"");
    static final TableSchema SCHEMA = new TableSchema(T, List.of(Column.of("id", "integer"), Column.of("note", "text")),
            List.of("id"));

    static JournalEntry entry(long lsn, Op op, String id, String note) {
        Map<String, String> values = new HashMap<>();
        if (op != Op.DELETE) {
            values.put("id", id);
            values.put("note", note);
        }
        return new JournalEntry(new Lsn(lsn), 700, Instant.parse("2026-11-23T05:00:00Z"), T, op, Map.of("id", id), values);
    }

    @Test
    void transactionsComeBackInOrderWithNullsAndUnicodeIntact(@TempDir Path dir) {
        Path j = dir.resolve("journal");
        try (JournalWriter w = new JournalWriter(j)) {
            w.append(entry(100, Op.INSERT, "1", "tab\there \\N ünï 🚢"), SCHEMA);
            w.append(entry(90, Op.INSERT, "2", null), SCHEMA);
            w.commit(700, new Lsn(120), null);
            w.append(entry(130, Op.DELETE, "1", null), SCHEMA);
            w.commit(701, new Lsn(140), null);
        }
        List<JournalItem> all = new JournalReader(j, Lsn.ZERO).readAll();
        assertEquals(6, all.size());
        assertEquals(SCHEMA.key(), ((JournalItem.Table) all.get(0)).schema().key());
        all = all.subList(1, all.size());
        JournalEntry first = ((JournalItem.Change) all.get(0)).entry();
        assertEquals("tab\there \\N ünï 🚢", first.values().get("note"));
        JournalEntry second = ((JournalItem.Change) all.get(1)).entry();
        assertNull(second.values().get("note"));
        assertTrue(second.values().containsKey("note"));
        assertEquals(new Lsn(120), ((JournalItem.Commit) all.get(2)).lsn());
        assertEquals(Op.DELETE, ((JournalItem.Change) all.get(3)).entry().op());
        assertEquals(T, ((JournalItem.Change) all.get(3)).entry().table());
    }

    @Test
    void journalFilesAreReadableByTheOwnerOnly(@TempDir Path dir) throws IOException {
        Path j = dir.resolve("journal");
        try (JournalWriter w = new JournalWriter(j)) {
            w.append(entry(1, Op.INSERT, "1", "secret data"), SCHEMA);
            w.commit(1, new Lsn(2), null);
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(j)));
        for (Path f : JournalReader.files(j)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        }
    }

    @Test
    void aTornLastLineIsIgnoredAndARestartedWriterStartsANewFile(@TempDir Path dir) throws IOException {
        Path j = dir.resolve("journal");
        try (JournalWriter w = new JournalWriter(j)) {
            w.append(entry(100, Op.INSERT, "1", "a"), SCHEMA);
            w.commit(1, new Lsn(110), null);
        }
        Files.writeString(JournalReader.files(j).get(0), "{\"lsn\":\"0/12C\",\"xid\":1,\"sch", StandardOpenOption.APPEND);
        try (JournalWriter w = new JournalWriter(j)) {
            w.append(entry(200, Op.UPDATE, "1", "b"), SCHEMA);
            w.commit(2, new Lsn(210), null);
        }
        assertEquals(2, JournalReader.files(j).size());
        List<JournalItem> all = new JournalReader(j, Lsn.ZERO).readAll();
        assertEquals(6, all.size());
        assertInstanceOf(JournalItem.Commit.class, all.get(5));
    }

    @Test
    void aFileEndingInsideATransactionEndsWithATornMarkerBeforeTheNextFile(@TempDir Path dir) throws IOException {
        Path j = dir.resolve("journal");
        try (JournalWriter w = new JournalWriter(j)) {
            w.append(entry(100, Op.INSERT, "1", "a"), SCHEMA);
            w.commit(1, new Lsn(110), null);
            w.append(entry(200, Op.INSERT, "2", "cut off"), SCHEMA); // killed before its commit line
            w.flush();
        }
        try (JournalWriter w = new JournalWriter(j)) {
            w.append(entry(300, Op.INSERT, "3", "c"), SCHEMA);
            w.commit(3, new Lsn(310), null);
        }
        List<JournalItem> all = new JournalReader(j, Lsn.ZERO).readAll();
        assertEquals(8, all.size());
        assertEquals(new JournalItem.Torn("journal-000001.jsonl", 700), all.get(4));
        assertInstanceOf(JournalItem.Table.class, all.get(5));
        assertInstanceOf(JournalItem.Commit.class, all.get(7));
        assertEquals(1, all.stream().filter(i -> i instanceof JournalItem.Torn).count(), "a committed file ends cleanly");
    }
}
