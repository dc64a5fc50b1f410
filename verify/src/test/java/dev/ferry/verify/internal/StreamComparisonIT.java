package dev.ferry.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.embedded.ServerPair;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.config.TransformConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The row-by-row comparison through transforms, with its memory cap lowered so a small table exceeds it. */
class StreamComparisonIT {
    private static ServerPair pair;
    private static ConnectionSpec source;
    private static ConnectionSpec target;
    static final TableSchema T = new TableSchema(new TableId("public", "t"),
            List.of(Column.of("id", "integer"), Column.of("v", "text")), List.of("id"));
    /** A transform on the table, so it is one verify compares row by row. */
    static final TransformChain CHAIN = TransformConfig.build(List.of(Map.of("type", "recode", "table", "t",
            "column", "v", "map", Map.of("none", "nothing"), "keep_unmapped", true)));

    @BeforeAll
    static void start() {
        pair = ServerPair.start();
        source = ConnectionSpec.parse(pair.source().uri());
        target = ConnectionSpec.parse(pair.target().uri());
        String table = "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 300) g";
        pair.source().execute(table);
        pair.target().execute(table);
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    private static SqlHashComparison.Outcome compare(int keepRows) throws Exception {
        try (Side s = new Side(source, "source", 1); Side t = new Side(target, "target", 1);
             CommonPoint point = CommonPoint.open(source, target, "no_state_here", Duration.ofSeconds(5))) {
            // 5,000 estimated rows: 16 buckets of about 19 rows a side
            return new StreamComparison(s, t, point, T, CHAIN.mapSchema(T), T, CHAIN, 5000, keepRows).run(0, 1000);
        }
    }

    @Test
    void moreDifferingRowsThanItHoldsIsAtLeastNNeverEqual() throws Exception {
        assertEquals(0, compare(50).differences(), "equal tables are equal whatever the cap");
        pair.target().execute("UPDATE t SET v = v || '!' WHERE id > 180"); // the last rows read: past any cap
        try {
            SqlHashComparison.Outcome capped = compare(50);
            assertTrue(capped.lowerBound(), "the count is a lower bound");
            assertTrue(capped.differences() >= 2 && capped.differences() <= 120,
                    "at least one per mismatching bucket, never more than differ: " + capped.differences());
            assertTrue(capped.listed().size() < capped.differences(), "only the buckets that fit are listed");

            SqlHashComparison.Outcome roomy = compare(100_000);
            assertFalse(roomy.lowerBound());
            assertEquals(120, roomy.differences());
            assertEquals("id=181", roomy.listed().get(0).key());
        } finally {
            pair.target().execute("UPDATE t SET v = 'v' || id");
        }
    }
}
