package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.TableId;
import dev.ferry.verify.TableResult;
import dev.ferry.verify.VerifyResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerifyTextTest {

    @Test
    void aLowerBoundIsSaidAsAtLeastAndIsNeverEqual() {
        TableId t = new TableId("public", "big");
        TableResult r = new TableResult(t, t, "rows", 500_000, 500_000, 16, true, List.of(), List.of(), List.of(), 1.0);
        assertFalse(r.equal());
        assertFalse(new VerifyResult(List.of(r), 1.0).equal());
        String text = VerifyCommand.text(r);
        assertTrue(text.startsWith("public.big: DIFFERENT, at least 16 rows differ (source 500,000 rows"), text);
        assertTrue(VerifyCommand.json(new VerifyResult(List.of(r), 1.0)).contains("\"differences_at_least\" : true"));
    }
}
