package dev.ferry.cli.progress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.Lsn;
import dev.ferry.core.state.SnapshotStep;
import dev.ferry.snapshot.SnapshotResult;
import dev.ferry.snapshot.SnapshotResult.TableResult;
import dev.ferry.transforms.TableId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CopyProgressTest {
    static final TableId T = new TableId("public", "data_fact");

    static String feed(String mode) {
        StringWriter text = new StringWriter();
        try (CopyProgress p = CopyProgress.create(mode, new PrintWriter(text))) {
            p.tablePlanned(T, 1000, 8192, 0);
            p.message("copying 1 chunk(s)");
            p.copied(T, 400, 4000);
            p.draw();
            p.copied(T, 600, 6000);
            p.tableDone(T);
        }
        return text.toString();
    }

    @Test
    void logLinesCarryRowsSizeRateAndNoControlCharacters() {
        String out = feed("log");
        assertTrue(out.contains("copying 1 chunk(s)"), out);
        assertTrue(out.contains("copy 40.0%: 400 rows, 3.9 kB"), out);
        assertTrue(out.contains("copy done: 1,000 rows"), out);
        assertFalse(out.contains("\033"), out);
    }

    @Test
    void barsAreRedrawnInPlace() {
        String out = feed("bars");
        assertTrue(out.contains("public.data_fact"), out);
        assertTrue(out.contains("\033[1A\033[2K"), "the previous bars are erased before the next drawing");
        assertTrue(out.contains("100.0%"), out);
    }

    @Test
    void theSummaryListsEveryTableAndTheTotals() {
        StringWriter text = new StringWriter();
        SnapshotResult r = new SnapshotResult(Lsn.parse("0/16B3748"), "ferry_slot", "ferry_pub", false, false,
                List.of(new TableResult(T, T, 5_183_352, 620_000_000, 5.0)), Map.of(), List.of(), Duration.ofSeconds(7),
                Map.of(SnapshotStep.SLOT, 0.25, SnapshotStep.COPY, 4.0, SnapshotStep.INDEXES, 2.5));
        SummaryTable.print(new PrintWriter(text), r);
        String out = text.toString();
        assertTrue(out.contains("public.data_fact      5,183,352   591.3 MB       5.0    1,036,670"), out);
        assertTrue(out.contains("streaming starts at 0/16B3748 from slot \"ferry_slot\""), out);
        assertTrue(out.contains("Steps: slot and snapshot 0.3 s, copy 4.0 s, keys and indexes 2.5 s"), out);
    }
}
