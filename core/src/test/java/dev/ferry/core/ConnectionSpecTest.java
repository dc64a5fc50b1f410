package dev.ferry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectionSpecTest {

    @Test
    void parsesEveryPartOfAFullUri() {
        ConnectionSpec s = ConnectionSpec.parse(
                "postgresql://alice:s3cr3t@db.example.com:6543/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem");
        assertEquals("db.example.com", s.host());
        assertEquals(6543, s.port());
        assertEquals("shop", s.database());
        assertEquals("alice", s.user());
        assertEquals("s3cr3t", s.password());
        assertEquals(Map.of("sslmode", "verify-full", "sslrootcert", "/etc/ca.pem"), s.params());
    }

    @Test
    void acceptsThePostgresSchemeAndLibpqDefaults() {
        ConnectionSpec s = ConnectionSpec.parse("postgres://bob@/");
        assertEquals("localhost", s.host());
        assertEquals(5432, s.port());
        assertEquals("bob", s.database());
        assertNull(s.password());
        assertFalse(s.hasPassword());
    }

    @Test
    void bracketedIpv6HostsWithAndWithoutPort() {
        ConnectionSpec s = ConnectionSpec.parse("postgresql://bob@[::1]:5433/db");
        assertEquals("::1", s.host());
        assertEquals(5433, s.port());
        assertEquals("[::1]:5433/db", s.address());
        assertEquals("jdbc:postgresql://[::1]:5433/", Db.jdbcUrl(s));
        assertTrue(s.redacted().contains("@[::1]:5433/db"), s.redacted());
        ConnectionSpec noPort = ConnectionSpec.parse("postgresql://bob@[2001:db8::7]/db");
        assertEquals("2001:db8::7", noPort.host());
        assertEquals(5432, noPort.port());
        assertThrows(FerryException.class, () -> ConnectionSpec.parse("postgresql://bob@[::1:5433/db"));
    }

    @Test
    void decodesPercentEncodingInEveryPartAndKeepsPlusSigns() {
        ConnectionSpec s = ConnectionSpec.parse("postgresql://us%20er:p%40ss%2Fw%3Ard+1@h/my%20db%C3%A9");
        assertEquals("us er", s.user());
        assertEquals("p@ss/w:rd+1", s.password());
        assertEquals("my dbé", s.database());
        ConnectionSpec back = ConnectionSpec.parse(s.redacted());
        assertEquals("us er", back.user());
        assertEquals("my dbé", back.database());
    }

    @Test
    void queryParametersOverrideTheAuthority() {
        ConnectionSpec s = ConnectionSpec.parse("postgresql://a@h1:1/d1?host=h2&port=7000&user=u&password=p&dbname=d2");
        assertEquals("h2", s.host());
        assertEquals(7000, s.port());
        assertEquals("u", s.user());
        assertEquals("p", s.password());
        assertEquals("d2", s.database());
    }

    @Test
    void neverShowsThePassword() {
        ConnectionSpec s = ConnectionSpec.parse("postgresql://alice:Hunter2x@h:5432/db?sslpassword=KeyPass9&sslmode=require");
        for (String shown : new String[] {s.toString(), s.redacted()}) {
            assertFalse(shown.contains("Hunter2x"), shown);
            assertFalse(shown.contains("KeyPass9"), shown);
            assertTrue(shown.contains("alice:***@h:5432/db"), shown);
            assertTrue(shown.contains("sslmode=require"), shown);
        }
    }

    @Test
    void redactsUrisThatDoNotEvenParse() {
        assertEquals("postgresql://u:***@h/db", ConnectionSpec.redactUri("postgresql://u:pw@h/db"));
        assertEquals("postgresql://u:***@h/db", ConnectionSpec.redactUri("postgresql://u:p@ss@h/db"));
        assertEquals("postgresql://u@h/db?password=***&x=1",
                ConnectionSpec.redactUri("postgresql://u@h/db?password=secret&x=1"));
    }

    @Test
    void usageErrorsNameTheProblemWithoutThePassword() {
        FerryException unknown = assertThrows(FerryException.class,
                () -> ConnectionSpec.parse("postgresql://u:Secret99@h/db?sslmod=require"));
        assertEquals(ExitCode.USAGE, unknown.code());
        assertTrue(unknown.getMessage().contains("unknown connection parameter \"sslmod\""), unknown.getMessage());
        assertFalse(unknown.getMessage().contains("Secret99"), unknown.getMessage());
        FerryException notUri = assertThrows(FerryException.class, () -> ConnectionSpec.parse("host=h user=u password=Secret99"));
        assertFalse(notUri.getMessage().contains("Secret99"), notUri.getMessage());
        FerryException port = assertThrows(FerryException.class, () -> ConnectionSpec.parse("postgresql://u:Secret99@h:99999/db"));
        assertTrue(port.getMessage().contains("\"99999\" is not a port number"), port.getMessage());
        assertFalse(port.getMessage().contains("Secret99"), port.getMessage());
        assertThrows(FerryException.class, () -> ConnectionSpec.parse("postgresql://u@h1,h2/db"));
    }

    @Test
    void equalityIgnoresThePasswordAndCopiesChangeOnePart() {
        ConnectionSpec s = ConnectionSpec.parse("postgresql://u:a@h/db");
        assertEquals(s, s.withPassword("b"));
        assertEquals("b", s.withPassword("b").password());
        assertEquals("other", s.withDatabase("other").database());
        assertEquals("require", s.withParam("sslmode", "require").params().get("sslmode"));
    }
}
