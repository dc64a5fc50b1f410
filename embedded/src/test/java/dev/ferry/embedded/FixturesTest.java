package dev.ferry.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FixturesTest {

    @Test
    void splitsAtSemicolonsOutsideQuotesDollarQuotesAndComments() {
        assertEquals(List.of("SELECT 'a;b', E'c\\';d', \"e;\"", "DO $x$ BEGIN PERFORM 1; END $x$", "SELECT 2"),
                Fixtures.statements("SELECT 'a;b', E'c\\';d', \"e;\"; -- a comment; here\nDO $x$ BEGIN PERFORM 1; END $x$;\n"
                        + "SELECT 2;"));
    }

    @Test
    void substitutesVariablesButNotCasts() {
        assertEquals("SELECT 100000 * 0.5, x::int", Fixtures.substitute("SELECT 100000 * :scale, x::int", Map.of("scale", "0.5")));
    }

    @Test
    void aFixtureMayDeclareDefaults() {
        assertEquals("-- default 1 = 1\nSELECT 1, 2", Fixtures.substitute("-- default :scale = 1\nSELECT :scale, :two",
                Map.of("two", "2")));
        assertEquals("-- default 3 = 1\nSELECT 3", Fixtures.substitute("-- default :scale = 1\nSELECT :scale",
                Map.of("scale", "3")));
    }

    @Test
    void bothFixturesAreOnTheClasspath() {
        assertTrue(Fixtures.text("fidelity.sql").contains("CREATE TABLE fidelity"));
        assertTrue(Fixtures.text("stories.sql").contains("CREATE TABLE data_fact"));
    }
}
