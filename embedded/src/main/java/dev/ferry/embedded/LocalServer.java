package dev.ferry.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A server whose files live in a temporary directory on this machine; closing deletes them. */
abstract class LocalServer extends PgServer {
    protected final Path dir;

    LocalServer(String name) {
        super(name);
        try {
            this.dir = Files.createTempDirectory("ferry-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server on its data directory (again, after {@link #stop()}). */
    abstract void start();

    @Override
    public Path dataDir() {
        return dir.resolve("data");
    }

    @Override
    public void restart() {
        stop();
        start();
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            Files2.deleteTree(dir);
        }
    }
}
