package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.embedded.ServerPair;
import org.junit.jupiter.api.Test;

class StreamLossCheckIT {

    @Test
    void checkNamesTheColumnsWhoseStreamedChangesDebeziumCannotCarryExactly() {
        try (ServerPair pair = ServerPair.start()) {
            pair.source().execute("CREATE TABLE shifts (id int PRIMARY KEY, starts timetz, flags varbit, note text)");
            FerryRun r = FerryRun.run("check", "--source", pair.source().uri(), "--target", pair.target().uri());
            assertEquals(0, r.exit(), "warnings do not block: " + r.all());
            assertTrue(r.out().contains("warning: column public.shifts.starts (time with time zone) arrives from "
                    + "Debezium normalised to UTC"), r.all());
            assertTrue(r.out().contains("column public.shifts.flags (bit varying)"), r.all());
            assertTrue(!r.out().contains("shifts.note"), r.all());
        }
    }
}
