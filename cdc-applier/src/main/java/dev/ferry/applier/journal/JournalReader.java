package dev.ferry.applier.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.TableId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads a journal directory in LSN order, one change at a time (never the whole journal in memory).
 * A torn last line (the writer was killed mid-line, after its last flush) is ignored: it was never flushed
 * before a target commit, so the target does not hold it either.
 */
public final class JournalReader implements Iterable<JournalEntry> {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Path dir;
    private final Lsn from;

    /** @param from only changes after this LSN (exclusive); {@link Lsn#ZERO} for all */
    public JournalReader(Path dir, Lsn from) {
        if (!Files.isDirectory(dir)) {
            throw FerryException.usage("journal directory " + dir + " does not exist; pass the directory given to "
                    + "--journal");
        }
        this.dir = dir;
        this.from = from;
    }

    static String fileName(Lsn first) {
        return String.format("journal-%016X.jsonl", first.value());
    }

    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("journal-[0-9A-F]{16}\\.jsonl")).sorted().toList();
        }
    }

    /** The LSN of the last complete change in the journal, if any. */
    static Optional<Lsn> lastLsn(Path dir) throws IOException {
        List<Path> files = files(dir);
        for (int i = files.size() - 1; i >= 0; i--) {
            Lsn last = null;
            try (BufferedReader r = Files.newBufferedReader(files.get(i), StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null) {
                    JournalEntry e = parse(line);
                    if (e != null) {
                        last = e.lsn();
                    }
                }
            }
            if (last != null) {
                return Optional.of(last);
            }
        }
        return Optional.empty();
    }

    @Override
    public Iterator<JournalEntry> iterator() {
        List<Path> files;
        try {
            files = files(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Iterator<>() {
            int index;
            BufferedReader reader;
            JournalEntry next;

            @Override
            public boolean hasNext() {
                try {
                    while (next == null) {
                        if (reader == null) {
                            if (index >= files.size()) {
                                return false;
                            }
                            reader = Files.newBufferedReader(files.get(index++), StandardCharsets.UTF_8);
                        }
                        String line = reader.readLine();
                        if (line == null) {
                            reader.close();
                            reader = null;
                            continue;
                        }
                        JournalEntry e = parse(line);
                        if (e != null && e.lsn().isAfter(from)) {
                            next = e;
                        }
                    }
                    return true;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public JournalEntry next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                JournalEntry e = next;
                next = null;
                return e;
            }
        };
    }

    /** Parses one line; null for a torn or empty line. */
    static JournalEntry parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        JsonNode n;
        try {
            n = MAPPER.readTree(line);
        } catch (IOException e) {
            return null;
        }
        if (n == null || !n.has("lsn") || !n.has("values")) {
            return null;
        }
        try {
            return new JournalEntry(Lsn.parse(n.get("lsn").asText()), n.get("xid").asLong(),
                    n.has("commit_time") ? Instant.parse(n.get("commit_time").asText()) : null,
                    new TableId(n.get("schema").asText(), n.get("table").asText()), Op.ofCode(n.get("op").asText().charAt(0)),
                    map(n.get("key")), map(n.get("values")));
        } catch (RuntimeException e) {
            throw new FerryException(ExitCode.USAGE, "journal line is not a Ferry change: "
                    + line.substring(0, Math.min(80, line.length())));
        }
    }

    private static Map<String, String> map(JsonNode node) {
        Map<String, String> m = new LinkedHashMap<>();
        if (node != null) {
            node.fields().forEachRemaining(f -> m.put(f.getKey(), f.getValue().isNull() ? null : f.getValue().asText()));
        }
        return m;
    }

    /** All entries, for tests of small journals. */
    public List<JournalEntry> readAll() {
        List<JournalEntry> out = new ArrayList<>();
        forEach(out::add);
        return out;
    }
}
