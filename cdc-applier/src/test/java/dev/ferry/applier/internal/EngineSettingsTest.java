package dev.ferry.applier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.TableId;
import io.debezium.util.Strings;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EngineSettingsTest {

    /** Parsed as Debezium parses table.include.list: split at unescaped commas, trimmed, case-insensitive. */
    private static Set<Pattern> asDebeziumReadsIt(List<TableId> tables) {
        return Strings.setOfRegex(EngineSettings.includeList(tables), Pattern.CASE_INSENSITIVE);
    }

    private static boolean admits(Set<Pattern> patterns, String schemaDotTable) {
        return patterns.stream().anyMatch(p -> p.matcher(schemaDotTable).matches());
    }

    @Test
    void theIncludeListNamesExactlyTheTablesWhateverTheirNames() {
        List<TableId> tables = List.of(new TableId("public", "orders"), new TableId("Sales", "a,b"),
                new TableId("s p", " trailing "), new TableId("x.y", "t[1]*\\"), new TableId("public", "ñandú"));
        Set<Pattern> patterns = asDebeziumReadsIt(tables);
        assertEquals(tables.size(), patterns.size());
        for (TableId t : tables) {
            assertTrue(admits(patterns, t.schema() + "." + t.name()), t.toString());
        }
        assertFalse(admits(patterns, "public.ORDERS"), "case counts");
        assertFalse(admits(patterns, "publicXorders"), "the dot is a dot");
        assertFalse(admits(patterns, "Sales.a"));
        assertFalse(admits(patterns, "x.y.t[1]*"));
        assertFalse(admits(patterns, "public.other"));
    }
}
