package dev.ferry.transforms.builtin;

import static dev.ferry.transforms.Tables.only;
import static dev.ferry.transforms.Tables.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformException;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeTypeTest {
    static final TableId T = TableId.parse("public.t");
    static final Column SERIAL = new Column("id", "integer", true, true, "nextval('t_id_seq'::regclass)", null, null,
            null);
    static final TableSchema S = new TableSchema(T, List.of(SERIAL, Column.of("body", "text"),
            Column.of("mood", "text"), Column.of("at", "timestamp(3) without time zone"), Column.of("n", "text")),
            List.of("id"));

    static String convert(ChangeType t, String column, String value) {
        return only(t.apply(row(S, "id", "1", column, value))).get(column);
    }

    static String failure(ChangeType t, String column, String value) {
        var chain = new TransformChain(List.of(t));
        var e = assertThrows(TransformException.class, () -> chain.apply(row(S, "id", "42", column, value)));
        return e.getMessage();
    }

    @Test
    void intToBigintWidensTheOwnedSequenceToo() {
        ChangeType t = ChangeType.to(T, "id", "int8");
        Column id = t.mapSchema(S).column("id").orElseThrow();
        assertEquals("bigint", id.type());
        assertEquals("bigint", id.sequenceType());
        assertEquals("integer", SERIAL.sequenceType());
        assertEquals("nextval('t_id_seq'::regclass)", id.defaultExpr());
        assertTrue(id.notNull());
        assertEquals("2147483648", convert(ChangeType.to(T, "n", "bigint"), "n", "2147483648"));
        assertNull(Column.of("x", "bigint").sequenceType());
    }

    @Test
    void integerValuesOutOfRangeOrNotNumbersAreNamed() {
        String m = failure(ChangeType.to(T, "n", "integer"), "n", "2147483648");
        assertEquals("transform change-type public.t.n failed on public.t (id=42): value '2147483648' of column n: "
                + "is out of range for integer", m);
        m = failure(ChangeType.to(T, "n", "bigint"), "n", "12abc");
        assertTrue(m.contains("'12abc'") && m.contains("id=42") && m.contains("public.t"), m);
        assertEquals("NaN", convert(ChangeType.to(T, "n", "numeric(10,2)"), "n", "NaN"));
        assertTrue(failure(ChangeType.to(T, "n", "numeric"), "n", "1,5").contains("is not a number"));
    }

    @Test
    void textToJsonbValidatesEachValueAndKeepsItsText() {
        ChangeType t = ChangeType.to(T, "body", "jsonb");
        assertEquals("jsonb", t.mapSchema(S).column("body").orElseThrow().type());
        assertEquals("{\"a\": [1, 2.50, null], \"a\": 1}", convert(t, "body", "{\"a\": [1, 2.50, null], \"a\": 1}"));
        assertEquals("\"just a string\"", convert(t, "body", "\"just a string\""));
        assertEquals("3", convert(t, "body", "3"));
        assertNull(convert(t, "body", null));
        assertTrue(failure(t, "body", "{\"a\": 1").contains("is not valid JSON"));
        assertTrue(failure(t, "body", "{} []").contains("is not valid JSON"));
        assertTrue(failure(t, "body", "{'a': 1}").contains("is not valid JSON"));
        assertTrue(failure(t, "body", "").contains("is not valid JSON"));
        assertTrue(failure(t, "body", "{\"a\": \"x\\u0000y\"}").contains("\\u0000"));
        assertEquals("{\"a\": \"x\\u0000y\"}", convert(ChangeType.to(T, "body", "json"), "body", "{\"a\": \"x\\u0000y\"}"));
    }

    @Test
    void textToEnumChecksLabelsAndCreatesTheType() {
        ChangeType t = ChangeType.toEnum(T, "mood", TableId.parse("public.mood"), List.of("happy", "sad", "it's ok"));
        Column c = t.mapSchema(S).column("mood").orElseThrow();
        assertEquals("\"public\".\"mood\"", c.type());
        assertFalse(c.builtin());
        assertEquals(List.of("DO $ferry$ BEGIN CREATE TYPE \"public\".\"mood\" AS ENUM ('happy', 'sad', 'it''s ok'); "
                + "EXCEPTION WHEN duplicate_object THEN NULL; END $ferry$"), t.targetSetup());
        assertEquals("sad", convert(t, "mood", "sad"));
        String m = failure(t, "mood", "angry");
        assertTrue(m.contains("'angry'") && m.contains("is not a label of public.mood"), m);
    }

    @Test
    void timestampToTimestamptzReadsWallClockTimesInTheZone() {
        ChangeType t = ChangeType.toTimestamptz(T, "at", ZoneId.of("Europe/Paris"));
        assertEquals("timestamp(3) with time zone", t.mapSchema(S).column("at").orElseThrow().type());
        assertEquals("2024-01-15 12:00:00+01", convert(t, "at", "2024-01-15 12:00:00"));
        assertEquals("2024-07-15 12:00:00.123+02", convert(t, "at", "2024-07-15 12:00:00.123"));
        assertEquals("2024-07-15 12:00:00.000001+02", convert(t, "at", "2024-07-15 12:00:00.000001"));
        // Spring-forward gap: 02:30 does not exist in Paris; PostgreSQL reads it with the offset before (+01).
        assertEquals("2024-03-31 03:30:00+02", convert(t, "at", "2024-03-31 02:30:00"));
        // Fall-back overlap: 02:30 happens twice; PostgreSQL takes the offset after the transition (winter).
        assertEquals("2024-10-27 02:30:00+01", convert(t, "at", "2024-10-27 02:30:00"));
        assertEquals("infinity", convert(t, "at", "infinity"));
        assertEquals("-infinity", convert(t, "at", "-infinity"));
        // Before standard time: local mean time, with seconds in the offset; BC years are kept.
        assertEquals("1850-01-01 00:00:00+00:09:21", convert(t, "at", "1850-01-01 00:00:00"));
        assertEquals("0044-03-15 12:00:00+00:09:21 BC", convert(t, "at", "0044-03-15 12:00:00 BC"));
        assertEquals("0001-01-01 00:00:00+00:09:21 BC", convert(t, "at", "0001-01-01 00:00:00 BC"));
        assertEquals("10000-01-01 00:00:00+01", convert(t, "at", "10000-01-01 00:00:00"));
        ChangeType india = ChangeType.toTimestamptz(T, "at", ZoneId.of("Asia/Kolkata"));
        assertEquals("2024-01-15 12:00:00+05:30", convert(india, "at", "2024-01-15 12:00:00"));
        ChangeType ny = ChangeType.toTimestamptz(T, "at", ZoneId.of("America/New_York"));
        assertEquals("2024-01-15 12:00:00-05", convert(ny, "at", "2024-01-15 12:00:00"));
        // Each value below is what PostgreSQL 15 gives for '...'::timestamp::timestamptz in that TimeZone.
        assertEquals("2024-11-03 01:30:00-05", convert(ny, "at", "2024-11-03 01:30:00"));
        assertEquals("2024-03-10 03:30:00-04", convert(ny, "at", "2024-03-10 02:30:00"));
        ChangeType sydney = ChangeType.toTimestamptz(T, "at", ZoneId.of("Australia/Sydney"));
        assertEquals("2024-04-07 02:30:00+10", convert(sydney, "at", "2024-04-07 02:30:00"));
        assertEquals("2024-10-06 03:30:00+11", convert(sydney, "at", "2024-10-06 02:30:00"));
        String m = failure(t, "at", "15/01/2024");
        assertTrue(m.contains("'15/01/2024'") && m.contains("ISO form"), m);
        assertTrue(failure(t, "at", "2024-02-30 00:00:00").contains("not a valid timestamp"));
    }

    @Test
    void zoneConversionRefusesColumnsThatAreNotTimestamps() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ChangeType.toTimestamptz(T, "body", ZoneId.of("UTC")).mapSchema(S));
        assertTrue(e.getMessage().contains("is text, not timestamp without time zone"), e.getMessage());
    }

    @Test
    void defaultsAreDroppedForNonNumericTargetsUnlessGiven() {
        TableSchema s = new TableSchema(T, List.of(SERIAL, Column.of("body", "text").withDefault("'{}'::text")),
                List.of("id"));
        assertNull(ChangeType.to(T, "body", "jsonb").mapSchema(s).column("body").orElseThrow().defaultExpr());
        assertEquals("'{}'::jsonb", ChangeType.to(T, "body", "jsonb").withDefault("'{}'::jsonb").mapSchema(s)
                .column("body").orElseThrow().defaultExpr());
    }

    @Test
    void keyOnlyRowsAndNullsPassUnchanged() {
        ChangeType t = ChangeType.to(T, "body", "jsonb");
        Row keyOnly = only(t.apply(row(S, "id", "1")));
        assertFalse(keyOnly.has("body"));
        assertEquals("1", only(ChangeType.to(T, "id", "bigint").apply(row(S, "id", "1"))).get("id"));
    }

    @Test
    void typeNamesAreWrittenAsTheCatalogWritesThem() {
        assertEquals("bigint", BuiltinTypes.canonical("INT8"));
        assertEquals("character varying(20)", BuiltinTypes.canonical("varchar(20)"));
        assertEquals("timestamp(3) with time zone", BuiltinTypes.canonical("timestamptz(3)"));
        assertEquals("timestamp without time zone", BuiltinTypes.canonical("timestamp"));
        assertEquals("integer[]", BuiltinTypes.canonical("int4[]"));
        assertEquals("numeric(12,2)", BuiltinTypes.canonical("decimal(12, 2)"));
        assertEquals("public.mood", BuiltinTypes.canonical("public.mood"));
        assertTrue(BuiltinTypes.isBuiltin("timestamp(3) with time zone"));
        assertFalse(BuiltinTypes.isBuiltin("mood"));
    }
}
