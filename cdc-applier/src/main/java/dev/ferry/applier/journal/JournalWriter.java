package dev.ferry.applier.journal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableSchema;

/**
 * Appends changes as JSON lines to rotated files {@code journal-000001.jsonl}, ..., in a directory only the owner can
 * read (the files hold the data). {@link #flush()} makes everything written so far durable; the applier calls
 * it before the matching target commit, so the journal never misses a change the target holds.
 *
 * <p>Each source transaction is its changes followed by a commit line. After a crash Debezium may deliver a
 * transaction again, so a journal can hold one twice; replay recognises the second by its commit LSN, exactly
 * as the stream does. A transaction without its commit line (torn by a crash) is never applied. Not
 * thread-safe.
 */
public final class JournalWriter implements AutoCloseable {
    static final long ROTATE_BYTES = 64L << 20;
    private static final JsonFactory JSON = new JsonFactory();

    private final Path dir;
    private FileChannel channel;
    private CountingStream counting;
    private JsonGenerator json;
    private final java.util.Set<dev.ferry.transforms.TableId> described = new java.util.HashSet<>();

    public JournalWriter(Path dir) {
        this.dir = dir;
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new FerryException(ExitCode.USAGE, "cannot use " + dir + " as the journal directory: " + e.getMessage());
        }
    }

    /**
     * Journals one change (its own LSN); the transaction's commit line follows with {@link #commit}. An update
     * that changed the key is one entry whose {@code key} is the old key and whose values hold the new one.
     */
    public void append(JournalEntry e, TableSchema schema) {
        try {
            if (json == null) {
                rotate();
            }
            if (described.add(schema.id())) {
                writeSchema(schema);
            }
            json.writeStartObject();
            json.writeStringField("lsn", e.lsn().toString());
            json.writeNumberField("xid", e.xid());
            if (e.commitTime() != null) {
                json.writeStringField("commit_time", e.commitTime().toString());
            }
            json.writeStringField("schema", e.table().schema());
            json.writeStringField("table", e.table().name());
            json.writeStringField("op", String.valueOf(e.op().code()));
            if (e.truncate().journalText() != null) {
                json.writeStringField("truncate", e.truncate().journalText());
            }
            writeMap("key", e.key());
            writeMap("values", e.values());
            json.writeEndObject();
            json.writeRaw('\n');
        } catch (IOException ex) {
            throw diskProblem(ex);
        }
    }

    /**
     * Ends a transaction. Call {@link #flush()} before the target commits it. Files rotate only here, so a
     * transaction never spans two files.
     */
    public void commit(long xid, Lsn commitLsn, java.time.Instant commitTime) {
        try {
            if (json == null) {
                rotate();
            }
            json.writeStartObject();
            json.writeStringField("commit", commitLsn.toString());
            json.writeNumberField("xid", xid);
            if (commitTime != null) {
                json.writeStringField("commit_time", commitTime.toString());
            }
            json.writeEndObject();
            json.writeRaw('\n');
            if (counting.count >= ROTATE_BYTES) {
                closeFile();
            }
        } catch (IOException ex) {
            throw diskProblem(ex);
        }
    }

    private void writeSchema(TableSchema t) throws IOException {
        json.writeStartObject();
        json.writeStringField("table_schema", t.id().schema());
        json.writeStringField("table_name", t.id().name());
        json.writeArrayFieldStart("columns");
        for (Column c : t.columns()) {
            json.writeStartObject();
            json.writeStringField("name", c.name());
            json.writeStringField("type", c.type());
            json.writeBooleanField("builtin", c.builtin());
            json.writeBooleanField("generated", c.generated());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeArrayFieldStart("key");
        for (String k : t.key()) {
            json.writeString(k);
        }
        json.writeEndArray();
        json.writeEndObject();
        json.writeRaw('\n');
    }

    private void writeMap(String field, Map<String, String> map) throws IOException {
        json.writeObjectFieldStart(field);
        for (Map.Entry<String, String> v : map.entrySet()) {
            json.writeStringField(v.getKey(), v.getValue());
        }
        json.writeEndObject();
    }

    /** Makes every appended change durable (fsync). */
    public void flush() {
        if (json == null) {
            return;
        }
        try {
            json.flush();
            channel.force(false);
        } catch (IOException e) {
            throw diskProblem(e);
        }
    }

    private void rotate() throws IOException {
        closeFile();
        described.clear();
        Path file = dir.resolve(JournalReader.nextFileName(dir));
        channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        counting = new CountingStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
        json = JSON.createGenerator(counting, JsonEncoding.UTF8);
        json.setRootValueSeparator(null);
    }

    private void closeFile() throws IOException {
        if (json != null) {
            json.flush();
            channel.force(false);
            json.close();
            json = null;
        }
    }

    private FerryException diskProblem(IOException e) {
        return new FerryException(ExitCode.USAGE, "cannot write the journal in " + dir + " (" + e.getMessage()
                + "); free space there or point --journal elsewhere, then run the same command again (the position is kept)", e);
    }

    @Override
    public void close() {
        try {
            closeFile();
        } catch (IOException e) {
            throw diskProblem(e);
        }
    }

    /** Counts bytes so rotation needs no stat call per change. */
    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
