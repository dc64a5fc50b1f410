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

/**
 * Appends changes as JSON lines to rotated files {@code journal-<LSN>.jsonl} in a directory only the owner can
 * read (the files hold the data). {@link #flush()} makes everything written so far durable; the applier calls
 * it before the matching target commit, so the journal never misses a change the target holds.
 *
 * <p>A change at or below the last journaled commit LSN is skipped: after a restart Debezium delivers some
 * changes again, and the journal must hold each once. Not thread-safe.
 */
public final class JournalWriter implements AutoCloseable {
    static final long ROTATE_BYTES = 64L << 20;
    private static final JsonFactory JSON = new JsonFactory();

    private final Path dir;
    private final Lsn resumeAfter;
    private FileChannel channel;
    private CountingStream counting;
    private JsonGenerator json;
    private Lsn last;

    public JournalWriter(Path dir) {
        this.dir = dir;
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            this.resumeAfter = JournalReader.lastLsn(dir).orElse(Lsn.ZERO);
        } catch (IOException e) {
            throw new FerryException(ExitCode.USAGE, "cannot use " + dir + " as the journal directory: " + e.getMessage());
        }
        this.last = resumeAfter;
    }

    /** Journals one change; changes of one transaction must come in order and share its commit LSN. */
    public void append(JournalEntry e) {
        if (e.lsn().compareTo(resumeAfter) <= 0) {
            return;
        }
        try {
            if (json == null || (counting.count >= ROTATE_BYTES && e.lsn().isAfter(last))) {
                rotate(e.lsn());
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
            writeMap("key", e.key());
            writeMap("values", e.values());
            json.writeEndObject();
            json.writeRaw('\n');
            last = e.lsn();
        } catch (IOException ex) {
            throw diskProblem(ex);
        }
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

    private void rotate(Lsn first) throws IOException {
        closeFile();
        Path file = dir.resolve(JournalReader.fileName(first));
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
