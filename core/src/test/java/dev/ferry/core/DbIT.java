package dev.ferry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

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
}
