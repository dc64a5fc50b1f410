package dev.ferry.transforms.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Type names from ferry.yml reach SQL as written, so only type names get through. */
class TypeNamesTest {

    @Test
    void typeNamesAsSqlWritesThemAreAccepted() {
        for (String t : List.of("bigint", "int8", "text", "numeric(12,2)", "numeric( 12 , 2 )", "varchar(40)",
                "character varying(40)", "char varying(3)", "double precision", "DOUBLE  PRECISION", "bit varying(5)",
                "timestamp", "timestamptz", "timestamp(3) with time zone", "timestamp without time zone",
                "time(6) without time zone", "interval", "interval day to second(3)", "interval year", "text[]",
                "integer[][]", "int[3]", "public.mood", "\"Sales\".\"Order Mood\"", "\"we\"\"ird\"", "my_schema.my_type[]",
                "geometry(Point,4326)", "vector(3)", "jsonb", "ünï_type")) {
            assertTrue(TypeNames.valid(t), t);
        }
    }

    @Test
    void anythingElseIsRefused() {
        for (String t : List.of("", "  ", "text); DROP TABLE users; --", "text -- comment", "text /* x */",
                "integer primary key", "text not null", "bigint default 5", "text collate \"C\"", "'text'",
                "text;", "numeric(12,2", "numeric(12,2))", "a.b.c", "\"unterminated", "\"\"", "text[", "int[x]",
                "numeric('1')", "text\u0000", "interval day to", "double precision precision", "integer references users")) {
            assertFalse(TypeNames.valid(t), t);
        }
        assertFalse(TypeNames.valid(null));
    }

    @Test
    void aBadTypeInFerryYmlIsOneSentenceNamingTheEntryOptionAndFix() {
        String add = assertThrows(IllegalArgumentException.class, () -> TransformConfigTest.chain("""
                transforms:
                  - type: add-column
                    table: orders
                    column: origin
                    column_type: "text); DROP TABLE orders; --"
                    value: legacy
                """)).getMessage();
        assertEquals("transforms[0] (add-column): option \"column_type\" is not a type name: \"text); DROP TABLE "
                + "orders; --\"; write a type as in SQL, e.g. bigint, numeric(12,2), varchar(40), timestamp(3) with "
                + "time zone, text[] or a schema-qualified name such as public.mood (double-quoted where it has "
                + "capitals or spaces)", add);
        String change = assertThrows(IllegalArgumentException.class, () -> TransformConfigTest.chain("""
                transforms:
                  - type: change-type
                    table: orders
                    column: id
                    to: bigint primary key
                """)).getMessage();
        assertTrue(change.startsWith("transforms[0] (change-type): option \"to\" is not a type name: \"bigint primary "
                + "key\"; write a type as in SQL"), change);
        for (String entry : List.of("""
                  - type: compute
                    table: orders
                    column: total
                    column_type: "numeric; SELECT 1"
                    expression: qty * 2
                """, """
                  - type: enrich
                    table: orders
                    column: user_id
                    column_type: "bigint'"
                    from: users
                    match: {id: id}
                    take: user_id
                """)) {
            String msg = assertThrows(IllegalArgumentException.class, () -> TransformConfigTest.chain("transforms:\n"
                    + entry)).getMessage();
            assertTrue(msg.contains("option \"column_type\" is not a type name"), msg);
            assertFalse(msg.contains("\n"), "one sentence: " + msg);
        }
    }
}
