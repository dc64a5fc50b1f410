package dev.ferry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import dev.ferry.transforms.Identifiers;
import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

class DbIT {

    @Test
    void aServerWithStandardConformingStringsOffStillReadsFerrysLiteralsExactly() throws Exception {
        try (PgServer s = Servers.target()) {
            s.execute("CREATE DATABASE old_style");
            s.execute("ALTER DATABASE old_style SET standard_conforming_strings = off");
            String value = "C:\\temp\\new 'quoted' \\' end\\";
            try (Connection c = Db.open(ConnectionSpec.parse(s.uri("old_style")), "target", "test");
                 Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SHOW standard_conforming_strings")) {
                    rs.next();
                    assertEquals("on", rs.getString(1));
                }
                try (ResultSet rs = st.executeQuery("SELECT " + Identifiers.literal(value))) {
                    rs.next();
                    assertEquals(value, rs.getString(1), "a literal Ferry quotes reads back as the same text");
                }
            }
        }
    }

    @Test
    void aBulkReaderReadsTheSameCopyStreamAndStaysInStepAfterIt() throws Exception {
        try (PgServer s = Servers.target()) {
            s.execute("CREATE DATABASE bulk");
            ConnectionSpec spec = ConnectionSpec.parse(s.uri("bulk"));
            try (Connection c = Db.open(spec, "target", "test"); Statement st = c.createStatement()) {
                // Small rows by the thousand, then rows larger than the bulk buffer (read past it, not through it).
                st.execute("CREATE TABLE t (id int, v text)");
                st.execute("INSERT INTO t SELECT g, repeat(md5(g::text), 1 + g % 7) FROM generate_series(1, 200000) g");
                st.execute("INSERT INTO t SELECT 1000000 + g, repeat(md5(g::text), 20000) FROM generate_series(1, 5) g");
            }
            byte[] plain;
            byte[] bulk;
            try (Connection c = Db.open(spec, "source", "test")) {
                plain = copyOut(c);
            }
            try (Connection c = Db.openBulkReader(spec, "source", "test"); Statement st = c.createStatement()) {
                bulk = copyOut(c);
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM t")) {
                    rs.next();
                    assertEquals(200005, rs.getLong(1), "the session answers the next query after the stream");
                }
            }
            assertEquals(plain.length, bulk.length);
            assertEquals(Arrays.hashCode(plain), Arrays.hashCode(bulk));
        }
    }

    private static byte[] copyOut(Connection c) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY t TO STDOUT (FORMAT binary)", out);
        return out.toByteArray();
    }
}
