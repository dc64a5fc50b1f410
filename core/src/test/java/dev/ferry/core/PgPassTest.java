package dev.ferry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgPassTest {
    @TempDir
    Path dir;

    Path file(String... lines) throws IOException {
        Path f = dir.resolve("pgpass");
        Files.write(f, java.util.List.of(lines));
        return f;
    }

    @Test
    void theFirstMatchingLineWinsAndWildcardsMatchAnything() throws IOException {
        Path f = file("# comment", "", "db.example.com:5432:shop:alice:first", "*:*:*:alice:second");
        assertEquals(Optional.of("first"), PgPass.lookup(f, ConnectionSpec.parse("postgresql://alice@db.example.com/shop")));
        assertEquals(Optional.of("second"), PgPass.lookup(f, ConnectionSpec.parse("postgresql://alice@other:6000/x")));
        assertEquals(Optional.empty(), PgPass.lookup(f, ConnectionSpec.parse("postgresql://bob@db.example.com/shop")));
    }

    @Test
    void escapedColonsAndBackslashesAreReadAsLibpqDoes() throws IOException {
        Path f = file("h:5432:db:u:pa\\:ss\\\\word:with:colons");
        assertEquals(Optional.of("pa:ss\\word:with:colons"), PgPass.lookup(f, ConnectionSpec.parse("postgresql://u@h/db")));
    }

    @Test
    void localhostMatchesTheLoopbackAddress() throws IOException {
        Path f = file("localhost:5432:*:u:loop");
        assertEquals(Optional.of("loop"), PgPass.lookup(f, ConnectionSpec.parse("postgresql://u@127.0.0.1/db")));
    }

    @Test
    void aUriPasswordBeatsPgpasswordWhichBeatsTheFile() throws IOException {
        Path f = file("*:*:*:*:fromfile");
        ConnectionSpec bare = ConnectionSpec.parse("postgresql://u@h/db");
        assertEquals("given", PgPass.complete(bare.withPassword("given"),
                Map.of("PGPASSWORD", "env", "PGPASSFILE", f.toString())).password());
        assertEquals("env", PgPass.complete(bare, Map.of("PGPASSWORD", "env", "PGPASSFILE", f.toString())).password());
        assertEquals("fromfile", PgPass.complete(bare, Map.of("PGPASSFILE", f.toString())).password());
    }

    @Test
    void aMissingFileMeansNoPassword() {
        ConnectionSpec bare = ConnectionSpec.parse("postgresql://u@h/db");
        assertNull(PgPass.complete(bare, Map.of("PGPASSFILE", dir.resolve("absent").toString())).password());
    }
}
