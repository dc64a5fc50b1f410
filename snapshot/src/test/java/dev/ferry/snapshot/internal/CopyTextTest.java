package dev.ferry.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CopyTextTest {

    private static String[] decode(String line) {
        return CopyText.decode(line.getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String... values) {
        return new String(CopyText.encode(values), StandardCharsets.UTF_8);
    }

    @Test
    void everyEscapeRoundTrips() {
        String[] values = {"tab\there", "new\nline", "cr\rhere", "back\\slash", "\\N", "N", "", null, "\b\f\u000B",
                "ünïcödé 🚢 עברית", "trailing\\", "\\\\N", "{\"a,b\",NULL}"};
        byte[] line = CopyText.encode(values);
        assertArrayEquals(values, CopyText.decode(line));
    }

    @Test
    void nullIsTheWholeFieldOnlyAndAnEscapedBackslashNIsText() {
        assertEquals("\\N\t\\\\N\t\n", encode(null, "\\N", ""));
        assertArrayEquals(new String[] {null, "\\N", ""}, decode("\\N\t\\\\N\t\n"));
    }

    @Test
    void readsWhatPostgresWritesAndWhatCopyFromAccepts() {
        assertArrayEquals(new String[] {"a\tb", "c\nd", "é"}, decode("a\\tb\tc\\nd\t\\303\\251\n"));
        assertArrayEquals(new String[] {"A", "x"}, decode("\\x41\t\\x"));
        assertArrayEquals(new String[] {"", ""}, decode("\t"));
        assertArrayEquals(new String[] {"only"}, decode("only\r\n"));
    }

    @Test
    void anEscapedTabIsDataAndABackslashNInsideAFieldIsAnN() {
        // As COPY FROM reads them: a backslash escapes the delimiter too, and \N is NULL only as the whole field.
        assertArrayEquals(new String[] {"a\tb", "c"}, decode("a\\\tb\tc"));
        assertArrayEquals(new String[] {"aNb", null}, decode("a\\Nb\t\\N"));
        assertArrayEquals(new String[] {"end\\"}, decode("end\\"));
    }

    @Test
    void keyBoundsOfSeveralColumnsJoinAndSplit() {
        List<String> bound = List.of("1", "a\tb", "x\\y");
        assertEquals(bound, CopyText.split(CopyText.join(bound)));
    }
}
