package dev.ferry.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TableIdTest {

    @Test
    void aBareNameIsInPublic() {
        assertEquals(new TableId("public", "orders"), TableId.parse("orders"));
    }

    @Test
    void unquotedPartsFoldToLowerCaseAsInPostgres() {
        assertEquals(new TableId("sales", "orders"), TableId.parse("Sales.ORDERS"));
        assertEquals(new TableId("sales", "orders"), TableId.parse("  sales . orders "));
    }

    @Test
    void foldingTouchesOnlyAsciiLettersAsPostgresDoesInUtf8() {
        assertEquals(new TableId("public", "bÜcher"), TableId.parse("BÜCHER"));
    }

    @Test
    void quotedPartsKeepCaseSpacesDotsCommasAndQuotes() {
        assertEquals(new TableId("Sales", "Order Lines"), TableId.parse("\"Sales\".\"Order Lines\""));
        assertEquals(new TableId("a.b", "c,d"), TableId.parse("\"a.b\".\"c,d\""));
        assertEquals(new TableId("public", "say \"hi\""), TableId.parse("\"say \"\"hi\"\"\""));
        assertEquals(new TableId("public", "select"), TableId.parse("\"select\""));
        assertEquals(new TableId("Größe", "Bücher"), TableId.parse("\"Größe\".\"Bücher\""));
    }

    @Test
    void quotedIsReadyForSqlAndParsesBack() {
        TableId id = new TableId("My \"Schema\"", "Order Lines, v2");
        assertEquals("\"My \"\"Schema\"\"\".\"Order Lines, v2\"", id.quoted());
        assertEquals(id, TableId.parse(id.quoted()));
    }

    @Test
    void rejectsWhatIsNotATableName() {
        assertThrows(IllegalArgumentException.class, () -> TableId.parse("a.b.c"));
        assertThrows(IllegalArgumentException.class, () -> TableId.parse("\"unbalanced"));
        assertThrows(IllegalArgumentException.class, () -> TableId.parse(".orders"));
        assertThrows(IllegalArgumentException.class, () -> TableId.parse(""));
        assertThrows(IllegalArgumentException.class, () -> new TableId("public", ""));
    }

    @Test
    void ordersBySchemaThenName() {
        assertEquals(-1, Integer.signum(new TableId("a", "z").compareTo(new TableId("b", "a"))));
        assertEquals(1, Integer.signum(new TableId("a", "z").compareTo(new TableId("a", "b"))));
    }
}
