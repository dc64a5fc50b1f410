package dev.ferry.embedded;

/** A source and a target, started together and stopped together. */
public record ServerPair(PgServer source, PgServer target) implements AutoCloseable {

    public static ServerPair start() {
        PgServer source = Servers.source();
        try {
            return new ServerPair(source, Servers.target());
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            target.close();
        } finally {
            source.close();
        }
    }
}
