package dev.ferry.transforms.builtin;

import static dev.ferry.transforms.Tables.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.Tables;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExpressionTest {
    static final TableSchema T = Tables.schema("public.t", "id:integer", "first:text", "last:text",
            "qty:integer", "price:numeric(10,2)", "active:boolean", "note:text", "Mixed Case:text");

    static Row r = row(T, "id", "7", "first", "Ada", "last", "Lovelace", "qty", "3", "price", "2.50",
            "active", "t", "note", null, "Mixed Case", "X");

    static String eval(String expr) {
        return Expression.parse(expr).evaluateText(r);
    }

    static Boolean test(String expr) {
        return Expression.parse(expr).test(r);
    }

    @Test
    void arithmeticIsExactDecimal() {
        assertEquals("7.50", eval("qty * price"));
        assertEquals("10", eval("qty + id"));
        assertEquals("-4", eval("qty - id"));
        assertEquals("2.5", eval("5 / 2"));
        assertEquals("0.3333333333333333333333333333333333", eval("1 / 3"));
        assertEquals("1", eval("7 % 3"));
        assertEquals("-3", eval("-qty"));
        assertEquals("17", eval("2 + 3 * 5"));
        assertEquals("25", eval("(2 + 3) * 5"));
        assertEquals("7.5", eval("round(qty * price, 1)"));
        assertEquals("3", eval("abs(-3)"));
    }

    @Test
    void textFunctionsAndConcatenation() {
        assertEquals("Ada Lovelace", eval("first || ' ' || last"));
        assertEquals("ada", eval("lower(first)"));
        assertEquals("LOVELACE", eval("upper(last)"));
        assertEquals("x", eval("trim('  x ')"));
        assertEquals("8", eval("length(last)"));
        assertEquals("it's", eval("'it''s'"));
        assertEquals("Ada3", eval("concat(first, note, qty)"));
        assertEquals("X", eval("\"Mixed Case\""));
    }

    @Test
    void nullBehavesAsInSql() {
        assertNull(eval("note || 'x'"));
        assertNull(eval("qty + null"));
        assertEquals("none", eval("coalesce(note, 'none')"));
        assertNull(test("note = 'a'"));
        assertEquals(true, test("note is null"));
        assertEquals(false, test("note is not null"));
        assertNull(test("note = 'a' and true"));
        assertEquals(false, test("note = 'a' and false"));
        assertEquals(true, test("note = 'a' or true"));
        assertNull(test("not (note = 'a')"));
        assertNull(test("qty in (1, null)"));
        assertEquals(true, test("qty in (3, null)"));
    }

    @Test
    void comparisonsAreNumericForNumbersAndByCodePointForText() {
        assertEquals(true, test("qty > 2"));
        assertEquals(true, test("price = 2.5"));
        assertEquals(true, test("qty < 10"), "numeric, not textual: '3' > '10' as text");
        assertEquals(true, test("first < 'B'"));
        assertEquals(true, test("first != 'ada'"));
        assertEquals(true, test("first <> last"));
        assertEquals(true, test("qty >= 3 and qty <= 3"));
        assertEquals(true, test("first in ('Ada', 'Bob')"));
        assertEquals(true, test("first not in ('Bob')"));
        assertEquals(true, test("active"));
        assertEquals(true, test("active = true"));
        assertEquals(true, test("not active = false"));
        assertEquals("t", eval("qty = 3"));
    }

    @Test
    void columnsAreListedAndUnquotedNamesFoldToLowerCase() {
        assertEquals(Set.of("qty", "price", "first"), Expression.parse("QTY * Price > 1 or First = 'x'").columns());
        assertEquals(Set.of("Mixed Case"), Expression.parse("\"Mixed Case\" = 'X'").columns());
    }

    @Test
    void badExpressionsAreRejectedWithThePosition() {
        var e = assertThrows(IllegalArgumentException.class, () -> Expression.parse("qty > "));
        assertTrue(e.getMessage().contains("end of expression"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Expression.parse("qty # 2"));
        assertTrue(e.getMessage().contains("'#' at position 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Expression.parse("evil(qty)"));
        assertTrue(e.getMessage().contains("unknown function evil"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Expression.parse("'open"));
        assertThrows(IllegalArgumentException.class, () -> Expression.parse("lower(a, b)"));
        assertThrows(IllegalArgumentException.class, () -> Expression.parse("(qty"));
        assertThrows(IllegalArgumentException.class, () -> Expression.parse("qty 2"));
        assertThrows(IllegalArgumentException.class, () -> Expression.parse(""));
    }

    @Test
    void runtimeErrorsNameTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> eval("first + 1"));
        assertEquals("'Ada' is not a number", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> eval("qty / 0"));
        e = assertThrows(IllegalArgumentException.class, () -> test("first"));
        assertTrue(e.getMessage().contains("not true or false"), e.getMessage());
    }

    @Test
    void templatesFillPlaceholdersAndRenderNullAsEmpty() {
        assertEquals("Ada Lovelace", Template.parse("{first} {last}").evaluateText(r));
        assertEquals("{Ada}-", Template.parse("{{{first}}}-{note}").evaluateText(r));
        assertEquals(Set.of("first", "note"), Template.parse("{first}{note}").columns());
        assertThrows(IllegalArgumentException.class, () -> Template.parse("{first"));
        assertThrows(IllegalArgumentException.class, () -> Template.parse("a } b"));
        assertThrows(IllegalArgumentException.class, () -> Template.parse("{}"));
    }
}
