package dev.ferry.applier.debezium;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TruncateMessagesTest {

    @Test
    void theFlagByteMapsToTheSqlOptions() {
        assertEquals("", TruncateOptions.ofFlags(0).sql());
        assertEquals(" CASCADE", TruncateOptions.ofFlags(1).sql());
        assertEquals(" RESTART IDENTITY", TruncateOptions.ofFlags(2).sql());
        assertEquals(" RESTART IDENTITY CASCADE", TruncateOptions.ofFlags(3).sql());
        for (int flags = 0; flags < 4; flags++) {
            TruncateOptions o = TruncateOptions.ofFlags(flags);
            assertEquals(o, TruncateOptions.fromJournalText(o.journalText()));
        }
    }

    @Test
    void aRecordFindsItsTablesEntryAndDropsThoseOfFilteredTablesBeforeIt() {
        String slot = "slot_take";
        TruncateMessages.post(slot, 7L, "public", "ignored", 3);
        TruncateMessages.post(slot, 7L, "public", "a", 2);
        TruncateMessages.post(slot, 7L, "public", "b", 2);
        TruncateMessages.post(slot, 9L, "public", "a", 1);
        assertEquals(TruncateOptions.ofFlags(2), TruncateMessages.take(slot, 7, "public", "a"));
        assertEquals(TruncateOptions.ofFlags(2), TruncateMessages.take(slot, 7, "public", "b"));
        // An entry not posted (or already taken) gives no options and leaves the later ones in place.
        assertEquals(TruncateOptions.NONE, TruncateMessages.take(slot, 7, "public", "ignored"));
        assertEquals(TruncateOptions.ofFlags(1), TruncateMessages.take(slot, 9, "public", "a"));
        assertEquals(TruncateOptions.NONE, TruncateMessages.take(slot, 9, "public", "a"));
    }

    @Test
    void slotsDoNotSeeEachOthersEntries() {
        TruncateMessages.post("slot_one", 5L, "s", "t", 2);
        assertEquals(TruncateOptions.NONE, TruncateMessages.take("slot_two", 5, "s", "t"));
        assertEquals(TruncateOptions.ofFlags(2), TruncateMessages.take("slot_one", 5, "s", "t"));
    }
}
