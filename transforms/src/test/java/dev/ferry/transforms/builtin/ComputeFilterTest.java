package dev.ferry.transforms.builtin;

import static dev.ferry.transforms.Tables.only;
import static dev.ferry.transforms.Tables.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.Tables;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ComputeFilterTest {
    static final TableId T = TableId.parse("public.people");
    static final TableSchema S = Tables.schema("public.people", "id:integer", "first:text", "last:text",
            "qty:integer", "price:numeric", "email:text", "status:text");
    static final Row ADA = Row.of(S, "1", "Ada", "Lovelace", "3", "2.50", " Ada@Example.COM ", "active");

    @Test
    void computeAddsAColumnFromATemplate() {
        Compute c = new Compute(T, "full_name", null, Template.parse("{first} {last}"));
        assertEquals("text", c.mapSchema(S).column("full_name").orElseThrow().type());
        assertEquals("Ada Lovelace", only(c.apply(ADA)).get("full_name"));
        assertEquals(Set.of("first", "last"), c.reads(T));
    }

    @Test
    void computeAddsATypedColumnFromAnExpression() {
        Compute c = new Compute(T, "total", "decimal(12,2)", Expression.parse("round(qty * price, 2)"));
        assertEquals("numeric(12,2)", c.mapSchema(S).column("total").orElseThrow().type());
        assertEquals("7.50", only(c.apply(ADA)).get("total"));
    }

    @Test
    void computeOverwritesAnExistingColumn() {
        Compute c = new Compute(T, "email", null, Expression.parse("lower(trim(email))"));
        assertEquals(S, c.mapSchema(S));
        assertEquals("ada@example.com", only(c.apply(ADA)).get("email"));
    }

    @Test
    void computeLeavesItsColumnAbsentWhenAnInputIsAbsent() {
        Compute c = new Compute(T, "full_name", null, Template.parse("{first} {last}"));
        Row out = only(c.apply(row(S, "id", "1", "first", "Ada")));
        assertFalse(out.has("full_name"));
        assertEquals("Ada", out.get("first"));
    }

    @Test
    void computeRefusesUnknownColumnsBeforeAnyRowMoves() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Compute(T, "x", null, Expression.parse("nope + 1")).mapSchema(S));
        assertTrue(e.getMessage().contains("no column \"nope\""), e.getMessage());
    }

    @Test
    void computeErrorsNameTransformTableKeyAndValue() {
        TransformChain chain = new TransformChain(List.of(new Compute(T, "x", null, Expression.parse("first * 2"))));
        var e = assertThrows(TransformException.class, () -> chain.apply(ADA));
        assertEquals("transform compute public.people.x failed on public.people (id=1): 'Ada' is not a number",
                e.getMessage());
        assertEquals("compute public.people.x", e.transform());
        assertEquals(T, e.table());
        assertEquals("id=1", e.key());
    }

    @Test
    void filterKeepsRowsWhereTheConditionIsTrue() {
        Filter f = new Filter(T, Expression.parse("status = 'active' and qty > 2"));
        assertTrue(f.filters(T));
        assertEquals(Set.of("status", "qty"), f.reads(T));
        assertEquals(List.of(ADA), f.apply(ADA));
        assertEquals(List.of(), f.apply(ADA.with("qty", "2")));
        assertEquals(List.of(), f.apply(ADA.with("status", null)), "NULL is not true");
        // Key-only rows (deletes) pass: the filter cannot judge them and deleting nothing is harmless.
        assertEquals(1, f.apply(row(S, "id", "1")).size());
        assertThrows(IllegalArgumentException.class,
                () -> new Filter(T, Expression.parse("nope = 1")).mapSchema(S));
    }
}
