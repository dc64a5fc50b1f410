package dev.ferry.transforms.builtin;

import static dev.ferry.transforms.Tables.only;
import static dev.ferry.transforms.Tables.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.Tables;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** recode, mask and hash: transforms that rewrite one column's values. */
class ValueTransformsTest {
    static final TableId T = TableId.parse("public.users");
    static final TableSchema S = Tables.schema("public.users", "id:integer", "status:character(1)",
            "card:character varying(19)", "email:text", "pin:integer");
    static final Map<String, String> CODES = Map.of("A", "active", "I", "inactive");

    static String value(ValueTransform t, String value) {
        return only(t.apply(row(S, "id", "1", t.column(), value))).get(t.column());
    }

    @Test
    void recodeMapsValuesAndHandlesUnmappedOnesAsConfigured() {
        Recode fail = new Recode(T, "status", CODES, Recode.Unmapped.FAIL, null);
        assertEquals("active", value(fail, "A"));
        assertNull(value(fail, null));
        var e = assertThrows(TransformException.class,
                () -> new TransformChain(List.of(fail)).apply(row(S, "id", "9", "status", "X")));
        assertEquals("transform recode public.users.status failed on public.users (id=9): value 'X' of column "
                + "status: has no mapping; add it to map:, or set default: or keep_unmapped: true", e.getMessage());
        assertEquals("X", value(new Recode(T, "status", CODES, Recode.Unmapped.KEEP, null), "X"));
        assertEquals("other", value(new Recode(T, "status", CODES, Recode.Unmapped.DEFAULT, "other"), "X"));
        assertNull(value(new Recode(T, "status", CODES, Recode.Unmapped.DEFAULT, null), "X"));
        assertEquals(Set.of("status"), fail.reads(T));
        assertFalse(only(fail.apply(row(S, "id", "1"))).has("status"), "absent stays absent");
    }

    @Test
    void maskKeepsTheLastCharactersAndCountsCodePoints() {
        Mask m = new Mask(T, "card", 4, "*");
        assertEquals("************1111", value(m, "4111111111111111"));
        assertEquals("12", value(m, "12"));
        assertEquals("", value(m, ""));
        assertNull(value(m, null));
        assertEquals("#####", value(new Mask(T, "card", 0, "#"), "héllo"));
        assertEquals("**😀b", value(new Mask(T, "card", 2, "*"), "ab😀b"), "an emoji is one character");
        assertEquals("character varying(19)", m.mapSchema(S).column("card").orElseThrow().type());
        assertEquals("text", new Mask(T, "pin", 1, "*").mapSchema(S).column("pin").orElseThrow().type());
        assertEquals("***4", value(new Mask(T, "pin", 1, "*"), "1234"));
        assertThrows(IllegalArgumentException.class, () -> new Mask(T, "card", -1, "*"));
    }

    @Test
    void hashIsSaltedSha256HexAsPostgresComputesIt() {
        Hash h = new Hash(T, "email", null);
        assertEquals(Tables.sha256("ada@example.com"), value(h, "ada@example.com"));
        assertEquals(Tables.sha256("pepperada@example.com"), value(new Hash(T, "email", "pepper"), "ada@example.com"));
        assertEquals(value(h, "same"), value(h, "same"));
        assertNull(value(h, null));
        assertEquals("text", new Hash(T, "card", null).mapSchema(S).column("card").orElseThrow().type());
        // Known vector: Tables.sha256("abc").
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", value(h, "abc"));
    }

    @Test
    void aMissingColumnIsNamedWithTheColumnsThereAre() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Hash(T, "mail", null).mapSchema(S));
        assertEquals("hash public.users.mail: table public.users has no column \"mail\"; check the name in ferry.yml "
                + "(columns: id, status, card, email, pin)", e.getMessage());
    }

    @Test
    void aRowOfAnotherTableIsNotTouched() {
        Row other = Row.of(Tables.schema("public.x", "id:integer"), "1");
        TransformChain chain = new TransformChain(List.of(new Hash(T, "email", null)));
        assertEquals(List.of(other), chain.apply(other));
        assertTrue(chain.passesThrough(TableId.parse("public.x")));
        assertFalse(chain.passesThrough(T));
    }
}
