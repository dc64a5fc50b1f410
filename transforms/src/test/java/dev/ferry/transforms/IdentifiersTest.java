package dev.ferry.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IdentifiersTest {

    @Test
    void quotesEveryNameEvenPlainOnes() {
        assertEquals("\"orders\"", Identifiers.quote("orders"));
    }

    @Test
    void keepsCapitalsSpacesCommasReservedWordsAndNonAsciiLetters() {
        assertEquals("\"Order Lines, v2\"", Identifiers.quote("Order Lines, v2"));
        assertEquals("\"select\"", Identifiers.quote("select"));
        assertEquals("\"Größe\"", Identifiers.quote("Größe"));
        assertEquals("\"表\"", Identifiers.quote("表"));
    }

    @Test
    void doublesEmbeddedDoubleQuotes() {
        assertEquals("\"say \"\"hi\"\"\"", Identifiers.quote("say \"hi\""));
        assertEquals("\"\"\"\"", Identifiers.quote("\""));
    }

    @Test
    void refusesEmptyNamesAndNulCharacters() {
        assertThrows(IllegalArgumentException.class, () -> Identifiers.quote(""));
        assertThrows(IllegalArgumentException.class, () -> Identifiers.quote(null));
        assertThrows(IllegalArgumentException.class, () -> Identifiers.quote("a\0b"));
    }

    @Test
    void literalsDoubleSingleQuotesAndLeaveBackslashesAlone() {
        assertEquals("'it''s'", Identifiers.literal("it's"));
        assertEquals("'C:\\dir'", Identifiers.literal("C:\\dir"));
        assertEquals("NULL", Identifiers.literal(null));
        assertEquals("''", Identifiers.literal(""));
    }
}
