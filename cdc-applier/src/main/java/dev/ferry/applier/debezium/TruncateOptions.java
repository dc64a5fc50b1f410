package dev.ferry.applier.debezium;

import java.util.ArrayList;
import java.util.List;

/**
 * The options a source {@code TRUNCATE} ran with. pgoutput sends them in the TRUNCATE message (one flag byte);
 * Debezium's records do not carry them, so Ferry's decoder hands them over through {@link TruncateMessages}.
 *
 * @param restartIdentity {@code RESTART IDENTITY}: the truncated tables' owned sequences start again
 * @param cascade         {@code CASCADE}: tables referencing them were truncated too (they are in the same message)
 */
public record TruncateOptions(boolean restartIdentity, boolean cascade) {
    public static final TruncateOptions NONE = new TruncateOptions(false, false);

    /** From pgoutput's flag byte: 1 = CASCADE, 2 = RESTART IDENTITY (PostgreSQL's TRUNCATE_CASCADE, TRUNCATE_RESTART_SEQS). */
    public static TruncateOptions ofFlags(int flags) {
        return new TruncateOptions((flags & 2) != 0, (flags & 1) != 0);
    }

    /** The options as SQL to follow {@code TRUNCATE t1, t2}: empty, or starting with a space. */
    public String sql() {
        List<String> words = new ArrayList<>(2);
        if (restartIdentity) {
            words.add("RESTART IDENTITY");
        }
        if (cascade) {
            words.add("CASCADE");
        }
        return words.isEmpty() ? "" : " " + String.join(" ", words);
    }

    /** The journal's spelling: the SQL words, or null for none. */
    public String journalText() {
        String s = sql();
        return s.isEmpty() ? null : s.substring(1);
    }

    public static TruncateOptions fromJournalText(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        return new TruncateOptions(text.contains("RESTART IDENTITY"), text.contains("CASCADE"));
    }
}
