package dev.ferry.applier.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.applier.debezium.TruncateOptions;
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
import java.util.stream.Stream;

/**
 * Reads a journal directory in LSN order, one change at a time (never the whole journal in memory).
 * A torn last line (the writer was killed mid-line, after its last flush) is ignored: it was never flushed
 * before a target commit, so the target does not hold it either. A file that ends inside a transaction (changes
 * after its last commit line) ends with {@link JournalItem.Torn}, so those changes are never taken for part of
 * the next file's first transaction.
 */
public final class JournalReader implements Iterable<JournalItem> {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Path dir;
    private final Lsn from;

    /** @param from only transactions committed after this LSN (exclusive); {@link Lsn#ZERO} for all */
    public JournalReader(Path dir, Lsn from) {
        if (!Files.isDirectory(dir)) {
            throw FerryException.usage("journal directory " + dir + " does not exist; pass the directory given to "
                    + "--journal");
        }
        this.dir = dir;
        this.from = from;
    }

    /** Files are numbered in write order; change LSNs are not monotonic across transactions, numbers are. */
    static String nextFileName(Path dir) throws IOException {
        List<Path> files = files(dir);
        int next = files.isEmpty() ? 1 : Integer.parseInt(files.get(files.size() - 1).getFileName().toString()
                .substring(8, 14)) + 1;
        return String.format("journal-%06d.jsonl", next);
    }

    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("journal-[0-9]{6}\\.jsonl")).sorted().toList();
        }
    }

    @Override
    public Iterator<JournalItem> iterator() {
        List<Path> files;
        try {
            files = files(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Iterator<>() {
            int index;
            BufferedReader reader;
            String file;
            JournalItem next;
            /** The transaction of the changes read since the last commit line of this file, or -1. */
            long openXid = -1;

            @Override
            public boolean hasNext() {
                try {
                    while (next == null) {
                        if (reader == null) {
                            if (index >= files.size()) {
                                return false;
                            }
                            file = files.get(index).getFileName().toString();
                            reader = Files.newBufferedReader(files.get(index++), StandardCharsets.UTF_8);
                        }
                        String line = reader.readLine();
                        if (line == null) {
                            reader.close();
                            reader = null;
                            if (openXid >= 0) {
                                next = new JournalItem.Torn(file, openXid);
                                openXid = -1;
                            }
                            continue;
                        }
                        next = parse(line);
                        if (next instanceof JournalItem.Change c) {
                            openXid = c.entry().xid();
                        } else if (next instanceof JournalItem.Commit) {
                            openXid = -1;
                        }
                    }
                    return true;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public JournalItem next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                JournalItem e = next;
                next = null;
                return e;
            }
        };
    }

    /** Parses one line; null for a torn or empty line. */
    static JournalItem parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        JsonNode n;
        try {
            n = MAPPER.readTree(line);
        } catch (IOException e) {
            return null;
        }
        if (n != null && n.has("table_schema")) {
            java.util.List<dev.ferry.transforms.Column> cols = new ArrayList<>();
            for (JsonNode c : n.get("columns")) {
                cols.add(new dev.ferry.transforms.Column(c.get("name").asText(), c.get("type").asText(),
                        c.get("builtin").asBoolean(), false, null, c.get("generated").asBoolean() ? "generated" : null,
                        null, null));
            }
            List<String> key = new ArrayList<>();
            n.get("key").forEach(k -> key.add(k.asText()));
            return new JournalItem.Table(new dev.ferry.transforms.TableSchema(
                    new TableId(n.get("table_schema").asText(), n.get("table_name").asText()), cols, key));
        }
        if (n != null && n.has("commit")) {
            return new JournalItem.Commit(n.get("xid").asLong(), Lsn.parse(n.get("commit").asText()),
                    n.has("commit_time") ? Instant.parse(n.get("commit_time").asText()) : null);
        }
        if (n == null || !n.has("lsn") || !n.has("values")) {
            return null;
        }
        try {
            return new JournalItem.Change(new JournalEntry(Lsn.parse(n.get("lsn").asText()), n.get("xid").asLong(),
                    n.has("commit_time") ? Instant.parse(n.get("commit_time").asText()) : null,
                    new TableId(n.get("schema").asText(), n.get("table").asText()), Op.ofCode(n.get("op").asText().charAt(0)),
                    map(n.get("key")), map(n.get("values")),
                    TruncateOptions.fromJournalText(n.has("truncate") ? n.get("truncate").asText() : null)));
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

    /** The lines of small journals, for tests. */
    public List<JournalItem> readAll() {
        List<JournalItem> out = new ArrayList<>();
        forEach(out::add);
        return out;
    }

    /** The LSN below which replay skips transactions. */
    public Lsn from() {
        return from;
    }
}
