package dev.ferry.applier.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.core.Lsn;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.TableId;
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

    static JournalEntry entry(long lsn, Op op, String id, String note) {
        Map<String, String> values = new HashMap<>();
        if (op != Op.DELETE) {
            values.put("id", id);
            values.put("note", note);
        }
        return new JournalEntry(new Lsn(lsn), 700 + lsn, Instant.parse("2026-11-23T05:00:00Z"), T, op, Map.of("id", id), values);
    }

    @Test
    void changesComeBackInOrderWithNullsAndUnicodeIntact(@TempDir Path dir) {
        Path j = dir.resolve("journal");
        try (JournalWriter w = new JournalWriter(j)) {
            w.append(entry(100, Op.INSERT, "1", "tab\there \\N ünï 🚢"));
            w.append(entry(100, Op.INSERT, "2", null));
            w.append(entry(200, Op.DELETE, "1", null));
            w.flush();
        }
        List<JournalEntry> all = new JournalReader(j, Lsn.ZERO).readAll();
        assertEquals(3, all.size());
        assertEquals("tab\there \\N ünï 🚢", all.get(0).values().get("note"));
        assertNull(all.get(1).values().get("note"));
        assertEquals(true, all.get(1).values().containsKey("note"));
        assertEquals(Op.DELETE, all.get(2).op());
        assertEquals(T, all.get(2).table());
        assertEquals(1, new JournalReader(j, new Lsn(100)).readAll().size());
    }

    @Test
    void journalFilesAreReadableByTheOwnerOnly(@TempDir Path dir) throws IOException {
        Path j = dir.resolve("journal");
        try (JournalWriter w = new JournalWriter(j)) {
            w.append(entry(1, Op.INSERT, "1", "secret data"));
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(j)));
        for (Path f : JournalReader.files(j)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        }
    }

    @Test
    void aRestartedWriterSkipsChangesAlreadyJournaledAndATornLineIsIgnored(@TempDir Path dir) throws IOException {
        Path j = dir.resolve("journal");
        try (JournalWriter w = new JournalWriter(j)) {
            w.append(entry(100, Op.INSERT, "1", "a"));
            w.append(entry(200, Op.INSERT, "2", "b"));
        }
        Path file = JournalReader.files(j).get(0);
        Files.writeString(file, "{\"lsn\":\"0/12C\",\"xid\":1,\"sch", StandardOpenOption.APPEND);
        try (JournalWriter w = new JournalWriter(j)) {
            w.append(entry(200, Op.INSERT, "2", "b"));
            w.append(entry(300, Op.UPDATE, "2", "c"));
        }
        List<JournalEntry> all = new JournalReader(j, Lsn.ZERO).readAll();
        assertEquals(List.of(100L, 200L, 300L), all.stream().map(e -> e.lsn().value()).toList());
    }
}
