package dev.ferry.snapshot.internal;

import dev.ferry.core.ServerErrors;
import dev.ferry.core.state.ChunkState;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Splits tables into chunks of about {@code chunkBytes}, so one big table keeps every worker busy.
 *
 * <p>Whole or in ranges ({@link #plan}, docs/design.md "Whole tables or ranges"): a table copied whole is loaded by
 * one transaction with {@code COPY ... FREEZE} ({@link Freeze}), so the key build that reads it next and every later
 * vacuum find its rows frozen and its pages all-visible; a table copied in ranges keeps every worker busy and loses
 * at most a range to a kill. With the automatic chunk size ({@link #AUTO}), a table that may be frozen is copied
 * whole unless splitting it buys one of those: it is larger than {@link #WHOLE_MAX} (what a kill may cost), or it
 * alone is more than a worker's share of the copy (the other workers would wait for it). A chunk size given
 * explicitly splits every table larger than it, as it says.
 *
 * <ul>
 *   <li>{@link #byBlocks}: ranges of heap blocks ({@code ctid}), read with TID range scans (PostgreSQL 14+): the
 *       cheapest split, but only meaningful under the snapshot that planned it, because updates move rows.</li>
 *   <li>{@link #byKeys}: primary-key ranges, valid under any snapshot: used when a copy resumes from a fresh
 *       snapshot, so its chunks survive another interruption too.</li>
 * </ul>
 * Works on a connection inside the snapshot being copied.
 */
public final class ChunkPlanner {
    public static final String ALL = "all";
    public static final String CTID = "ctid";
    public static final String KEY = "key";
    /** The chunk size that lets the planner choose (see the class comment); ranges are then {@link #RANGE_BYTES}. */
    public static final long AUTO = 0;
    /** The size of a range under the automatic chunk size. */
    public static final long RANGE_BYTES = 64L << 20;
    /**
     * The largest table the automatic chunk size copies whole: a kill loses at most this much per worker (about
     * ten seconds of one worker's copy on the benchmark's host, bench/RESULTS.md).
     */
    public static final long WHOLE_MAX = 1L << 30;

    private final Connection source;
    private final long chunkBytes;
    private final boolean automatic;
    private final boolean tidRangeScans;

    public ChunkPlanner(Connection source, long chunkBytes) {
        this.source = source;
        this.automatic = chunkBytes == AUTO;
        this.chunkBytes = automatic ? RANGE_BYTES : Math.max(8192, chunkBytes);
        try {
            this.tidRangeScans = source.getMetaData().getDatabaseMajorVersion() >= 14;
        } catch (SQLException e) {
            throw ServerErrors.during("reading the server version", "source", e);
        }
    }

    /**
     * The chunks of a new run's tables (partitioned parents hold no rows and get none), by block ranges.
     *
     * @param freezable the tables whose whole-table copy may use {@code COPY ... FREEZE} ({@link Freeze#eligible})
     * @param jobs      copy workers
     */
    public List<ChunkState> plan(Collection<TableWork> works, Set<TableId> freezable, int jobs) {
        // Sized by heap and TOAST together: a table of few rows with large values is split too. A list, not a map
        // keyed by the work: a record's hash walks its whole table description.
        record Sized(TableWork w, long bytes) {}
        List<Sized> sizes = works.stream().filter(w -> !w.source().partitioned())
                .map(w -> new Sized(w, totalBytes(w.id()))).toList();
        long all = sizes.stream().mapToLong(Sized::bytes).sum();
        List<ChunkState> out = new ArrayList<>();
        for (Sized t : sizes) {
            out.addAll(automatic && whole(t.bytes(), all, jobs, freezable.contains(t.w().id()))
                    ? List.of(chunk(t.w().id(), 0, ALL, null, null)) : byBlocks(t.w(), t.bytes()));
        }
        return out;
    }

    /**
     * Under the automatic chunk size, whether a table of {@code bytes}, of {@code allBytes} to copy in all, is
     * copied whole even though it is larger than a range: only if it may be frozen (else one transaction gains
     * nothing), it is at most {@link #WHOLE_MAX}, and it is at most a worker's share of the copy.
     */
    static boolean whole(long bytes, long allBytes, int jobs, boolean freezable) {
        return freezable && bytes <= WHOLE_MAX && bytes <= allBytes / jobs;
    }

    private List<ChunkState> byBlocks(TableWork w, long totalBytes) {
        long blocks = (w.source().bytes() + 8191) / 8192;
        long chunks = Math.max(1, (totalBytes + chunkBytes - 1) / chunkBytes);
        long per = Math.max(1, (blocks + chunks - 1) / chunks);
        if (!tidRangeScans || blocks <= per) {
            // Before PostgreSQL 14 a ctid range is a full scan per chunk: one chunk is faster.
            return List.of(chunk(w.id(), 0, ALL, null, null));
        }
        List<ChunkState> out = new ArrayList<>();
        for (long from = 0, i = 0; from < blocks; from += per, i++) {
            // The last chunk is open-ended: the table may have grown since its size was read.
            String upper = from + per >= blocks ? null : String.valueOf(from + per);
            out.add(chunk(w.id(), (int) i, CTID, String.valueOf(from), upper));
        }
        return out;
    }

    public List<ChunkState> byKeys(TableWork w) {
        if (!w.source().schema().hasKey()) {
            return List.of(chunk(w.id(), 0, ALL, null, null));
        }
        long n = Math.max(1, totalBytes(w.id()) / chunkBytes);
        if (n == 1) {
            return List.of(chunk(w.id(), 0, KEY, null, null));
        }
        List<String> key = w.source().schema().key();
        String cols = key.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
        String texts = key.stream().map(k -> Identifiers.quote(k) + "::text").collect(Collectors.joining(", "));
        long rows = w.source().estimatedRows() > 0 ? w.source().estimatedRows() : 1_000_000;
        long step = Math.max(1, rows / n);
        List<String> bounds = new ArrayList<>();
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery("SELECT " + texts + " FROM (SELECT "
                + cols + ", row_number() OVER (ORDER BY " + cols + ") AS ferry_rn FROM ONLY " + w.id().quoted()
                + ") s WHERE ferry_rn % " + step + " = 0 ORDER BY ferry_rn")) {
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= key.size(); i++) {
                    values.add(rs.getString(i));
                }
                bounds.add(CopyText.join(values));
            }
        } catch (SQLException e) {
            throw ServerErrors.during("splitting " + w.id() + " into key ranges", "source", e);
        }
        List<ChunkState> out = new ArrayList<>();
        String lower = null;
        for (String b : bounds) {
            out.add(chunk(w.id(), out.size(), KEY, lower, b));
            lower = b;
        }
        out.add(chunk(w.id(), out.size(), KEY, lower, null));
        return out;
    }

    /** Heap plus TOAST bytes: what a copy of the table reads. */
    private long totalBytes(TableId t) {
        try (Statement st = source.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_table_size("
                + Identifiers.literal(t.quoted()) + "::regclass)")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw ServerErrors.during("reading the size of " + t, "source", e);
        }
    }

    private static ChunkState chunk(TableId t, int i, String kind, String lower, String upper) {
        return new ChunkState(t.schema(), t.name(), i, kind, lower, upper, false, 0, 0);
    }

    /** The rows of a chunk as a WHERE condition (empty for the whole table). */
    static String condition(TableWork w, ChunkState ch) {
        List<String> parts = new ArrayList<>();
        switch (ch.kind()) {
            case CTID -> {
                if (ch.lower() != null) {
                    parts.add("ctid >= '(" + Long.parseLong(ch.lower()) + ",0)'::tid");
                }
                if (ch.upper() != null) {
                    parts.add("ctid < '(" + Long.parseLong(ch.upper()) + ",0)'::tid");
                }
            }
            case KEY -> {
                if (ch.lower() != null) {
                    parts.add(keyCompare(w, ">=", ch.lower()));
                }
                if (ch.upper() != null) {
                    parts.add(keyCompare(w, "<", ch.upper()));
                }
            }
            default -> { }
        }
        return String.join(" AND ", parts);
    }

    private static String keyCompare(TableWork w, String op, String bound) {
        List<String> key = w.source().schema().key();
        List<String> values = CopyText.split(bound);
        List<String> literals = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            Column c = w.source().schema().column(key.get(i)).orElseThrow();
            literals.add(Identifiers.literal(values.get(i)) + "::" + c.type());
        }
        return "(" + key.stream().map(Identifiers::quote).collect(Collectors.joining(", ")) + ") " + op + " ("
                + String.join(", ", literals) + ")";
    }
}
