package dev.ferry.verify.internal;

import dev.ferry.core.Lsn;
import dev.ferry.transforms.TableId;
import dev.ferry.verify.RowDifference;
import dev.ferry.verify.RowDifference.Kind;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Compares one table no transform touches, with the hashing done inside both servers:
 * <ol>
 *   <li>one consistent scan per side computes the row count and hash sum of the whole table; equal, it is done
 *       (skipped while a stream runs: changes in flight would make it differ);</li>
 *   <li>otherwise a second scan per side (ctid ranges in parallel under one exported snapshot, both sides at once)
 *       gives each bucket's row count and hash sum; equal buckets are done;</li>
 *   <li>the mismatching buckets are listed row by row (key and row hash, in the same order on both sides) and
 *       merged, naming each missing, extra and different row;</li>
 *   <li>under a running stream, each difference is read again, fresh, up to {@code rechecks} times, and only
 *       those that persist are reported, so changes in flight raise no alarm.</li>
 * </ol>
 * The source is always read first and the target once the stream has applied up to the source's position
 * ({@link CommonPoint}). Memory holds bucket arrays and at most {@link Differences#KEEP} differences, never rows.
 */
public final class SqlHashComparison {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SqlHashComparison.class);
    /**
     * Ctid ranges smaller than this (64 MB) cost more in snapshots and round trips than they save. The system
     * property {@code ferry.verify.chunkPages} lowers it, so tests exercise parallel ranges on small tables.
     */
    static long minChunkPages() {
        return Long.getLong("ferry.verify.chunkPages", 8192);
    }
    static final int FETCH = 5000;

    private final Side source;
    private final Side target;
    private final CommonPoint point;
    private final TableId sourceTable;
    private final TableId targetTable;
    /** The source side's queries; also names the key columns in what is reported. */
    private final HashSql sql;
    private final HashSql targetSql;
    private final int buckets;
    private CommonPoint.Outcome lastOutcome = CommonPoint.Outcome.NOT_STREAMING;

    /**
     * @param from the source table; {@code to} the target table, whose columns pair up with the source's by
     *             position (the same names unless a text-preserving transform renamed them)
     */
    public SqlHashComparison(Side source, Side target, CommonPoint point, TableShape from, TableShape to,
                             RowHash hash, long estimatedRows) {
        if (from.columns().size() != to.columns().size() || from.key().size() != to.key().size()) {
            throw new IllegalArgumentException("the compared columns of " + from.table() + " and " + to.table()
                    + " do not pair up");
        }
        this.source = source;
        this.target = target;
        this.point = point;
        this.sourceTable = from.table();
        this.targetTable = to.table();
        this.buckets = bucketsFor(estimatedRows);
        this.sql = new HashSql(hash, from, buckets);
        this.targetSql = new HashSql(hash, to, buckets);
    }

    /** About 500 rows a bucket, at most 65,536 buckets: a mismatching bucket is listed in milliseconds. */
    static int bucketsFor(long rows) {
        long wanted = Math.max(1, rows / 500);
        return (int) Math.min(65536, Long.highestOneBit(wanted) * 2);
    }

    /**
     * What the comparison found.
     *
     * @param lowerBound true when more rows differ than could be held and compared: {@code differences} is then
     *                   the least number of differing rows, never more than there are
     */
    public record Outcome(long sourceRows, long targetRows, long differences, List<RowDifference> listed,
                          CommonPoint.Outcome waited, boolean lowerBound) {}

    public Outcome run(int rechecks, int listLimit) throws SQLException, InterruptedException {
        // The common case first: equal totals mean an equal table, proven with one plain aggregate per side. Not
        // while a stream runs: changes in flight make the totals differ anyway, and each pass waits for the stream.
        long t0 = System.nanoTime();
        if (!point.live()) {
            Pass totals = aggregate(Scan.TOTAL, null);
            if (BucketSums.mismatches(totals.source, totals.target, null).length == 0) {
                LOG.debug("{}: totals equal ({} ms)", sourceTable, millis(t0));
                return new Outcome(totals.source.rows(), totals.target.rows(), 0, List.of(), lastOutcome, false);
            }
            LOG.debug("{}: totals differ ({} ms), hashing {} buckets", sourceTable, millis(t0), buckets);
            t0 = System.nanoTime();
        }
        Pass first = aggregate(Scan.BUCKETS, null);
        int[] mismatched = BucketSums.mismatches(first.source, first.target, null);
        LOG.debug("{}: {} of {} buckets differ ({} ms)", sourceTable, mismatched.length, buckets, millis(t0));
        if (mismatched.length == 0) {
            return new Outcome(first.source.rows(), first.target.rows(), 0, List.of(), lastOutcome, false);
        }
        // Listing every row is cheaper than a filter naming most buckets.
        t0 = System.nanoTime();
        Differences found = list(mismatched.length * 2 > buckets ? null : mismatched);
        LOG.debug("{}: {} rows differ ({} ms)", sourceTable, found.total(), millis(t0));
        for (int i = 0; i < rechecks && found.total() > 0 && !found.overflowed(); i++) {
            t0 = System.nanoTime();
            // Alternate the order of the reads: a stream that commits many source transactions at once can put the
            // target ahead of the source read (a false "extra"), which only a target-first read dispels; a target
            // behind (a false "missing") is dispelled by the source-first read that waits for the stream.
            found = found.confirmedBy(i % 2 == 0 ? listTargetFirst(found.buckets()) : list(found.buckets()));
            LOG.debug("{}: re-read {}: {} rows still differ ({} ms)", sourceTable, i + 1, found.total(), millis(t0));
        }
        return new Outcome(first.source.rows(), first.target.rows(), found.total(), found.first(listLimit), lastOutcome, false);
    }

    private static long millis(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private record Pass(BucketSums source, BucketSums target) {}

    private enum Scan { TOTAL, BUCKETS }

    private Pass aggregate(Scan scan, int[] only) throws SQLException, InterruptedException {
        List<long[]> sourceChunks = chunks(source, sourceTable);
        List<long[]> targetChunks = chunks(target, targetTable);
        try (ConsistentRead s = ConsistentRead.begin(source, sourceChunks.size() > 1, true)) {
            await(s.lsn);
            try (ConsistentRead t = ConsistentRead.begin(target, targetChunks.size() > 1, false)) {
                int n = scan == Scan.TOTAL ? 1 : buckets;
                BucketSums a = new BucketSums(n);
                BucketSums b = new BucketSums(n);
                List<Future<Void>> running = new ArrayList<>();
                submit(source, sql, s, sourceTable, sourceChunks, scan, only, a, running);
                submit(target, targetSql, t, targetTable, targetChunks, scan, only, b, running);
                join(running);
                return new Pass(a, b);
            }
        }
    }

    private void await(Lsn lsn) throws InterruptedException {
        lastOutcome = point.await(lsn);
    }

    /** Page ranges {from, to} (to -1: the end) for parallel scans; one range before PostgreSQL 14 (no TID range scans). */
    private static List<long[]> chunks(Side side, TableId table) throws SQLException, InterruptedException {
        if (side.version < 140000 || side.jobs == 1) {
            return List.of(new long[] {0, -1});
        }
        long pages;
        try {
            pages = Long.parseLong(side.queryOne("SELECT pg_relation_size(" + dev.ferry.transforms.Identifiers.literal(
                    table.quoted()) + "::regclass) / current_setting('block_size')::int"));
        } catch (SQLException e) {
            throw side.failure("measuring table " + table, e);
        }
        long per = Math.max(minChunkPages(), (pages + 2L * side.jobs - 1) / (2L * side.jobs));
        List<long[]> out = new ArrayList<>();
        for (long from = 0; from < pages; from += per) {
            out.add(new long[] {from, from + per >= pages ? -1 : from + per});
        }
        return out.isEmpty() ? List.of(new long[] {0, -1}) : out;
    }

    private static void submit(Side side, HashSql queries, ConsistentRead read, TableId table, List<long[]> chunks,
                               Scan scan, int[] only, BucketSums into, List<Future<Void>> running) {
        for (long[] chunk : chunks) {
            String query = scan == Scan.TOTAL ? queries.total(table, chunk[0], chunk[1])
                    : queries.aggregate(table, chunk[0], chunk[1], only);
            running.add(side.threads.submit(() -> {
                try {
                    if (chunks.size() == 1) {
                        accumulate(read.connection, query, into);
                        return null;
                    }
                    Connection c = side.workers.borrow();
                    try {
                        ConsistentRead.importInto(c, read.snapshot);
                        accumulate(c, query, into);
                    } finally {
                        side.workers.release(c);
                    }
                    return null;
                } catch (SQLException e) {
                    throw side.failure("hashing table " + table, e);
                }
            }));
        }
    }

    private static void accumulate(Connection c, String query, BucketSums into) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                into.add(rs.getInt(1), rs.getLong(2), rs.getString(3));
            }
        }
    }

    private static void join(List<Future<Void>> running) throws SQLException, InterruptedException {
        try {
            for (Future<Void> f : running) {
                f.get();
            }
        } catch (ExecutionException e) {
            running.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (CancellationException | InterruptedException e) {
            running.forEach(f -> f.cancel(true));
            throw e;
        }
    }

    /** Lists the rows of the given buckets (null: all) on both sides at a common point and merges them. */
    private Differences list(int[] only) throws SQLException, InterruptedException {
        try (ConsistentRead s = ConsistentRead.begin(source, false, true)) {
            await(s.lsn);
            try (ConsistentRead t = ConsistentRead.begin(target, false, false);
                 Statement sa = s.connection.createStatement(); Statement sb = t.connection.createStatement()) {
                sa.setFetchSize(FETCH);
                sb.setFetchSize(FETCH);
                try (ResultSet a = query(source, sa, sql.listing(sourceTable, only), sourceTable);
                     ResultSet b = query(target, sb, targetSql.listing(targetTable, only), targetTable)) {
                    return merge(new Cursor(source, sourceTable, a), new Cursor(target, targetTable, b));
                }
            }
        }
    }

    /** The target's rows first, then the source's, which are at least as new. */
    private Differences listTargetFirst(int[] only) throws SQLException, InterruptedException {
        try (ConsistentRead t = ConsistentRead.begin(target, false, true);
             ConsistentRead s = ConsistentRead.begin(source, false, true);
             Statement sa = s.connection.createStatement(); Statement sb = t.connection.createStatement()) {
            sa.setFetchSize(FETCH);
            sb.setFetchSize(FETCH);
            try (ResultSet b = query(target, sb, targetSql.listing(targetTable, only), targetTable);
                 ResultSet a = query(source, sa, sql.listing(sourceTable, only), sourceTable)) {
                return merge(new Cursor(source, sourceTable, a), new Cursor(target, targetTable, b));
            }
        }
    }

    private static ResultSet query(Side side, Statement st, String query, TableId table) {
        try {
            return st.executeQuery(query);
        } catch (SQLException e) {
            throw side.failure("listing rows of table " + table, e);
        }
    }

    private Differences merge(Cursor a, Cursor b) {
        Differences out = new Differences();
        a.next();
        b.next();
        while (a.present || b.present) {
            int c = !a.present ? 1 : !b.present ? -1 : a.compareTo(b);
            if (c < 0) {
                out.add(a.bucket, a.identity, new RowDifference(Kind.MISSING_ON_TARGET, a.display(), a.copies));
                a.next();
            } else if (c > 0) {
                out.add(b.bucket, b.identity, new RowDifference(Kind.EXTRA_ON_TARGET, b.display(), b.copies));
                b.next();
            } else {
                if (sql.keyed() && a.hash != b.hash) {
                    out.add(a.bucket, a.identity, new RowDifference(Kind.DIFFERENT, a.display(), 1));
                } else if (!sql.keyed() && a.copies != b.copies) {
                    boolean missing = a.copies > b.copies;
                    out.add(a.bucket, a.identity, new RowDifference(missing ? Kind.MISSING_ON_TARGET
                            : Kind.EXTRA_ON_TARGET, a.display(), Math.abs(a.copies - b.copies)));
                }
                a.next();
                b.next();
            }
        }
        return out;
    }

    /** One side's listing, row by row: (bucket, identity bytes) order is the order both servers sort in. */
    private final class Cursor {
        private final Side side;
        private final TableId table;
        private final ResultSet rs;
        boolean present;
        int bucket;
        String identity;
        byte[] identityBytes;
        long hash;
        long copies;
        List<String> keyValues;

        Cursor(Side side, TableId table, ResultSet rs) {
            this.side = side;
            this.table = table;
            this.rs = rs;
        }

        void next() {
            try {
                read();
            } catch (SQLException e) {
                throw side.failure("listing rows of table " + table, e);
            }
        }

        private void read() throws SQLException {
            present = rs.next();
            if (!present) {
                return;
            }
            bucket = rs.getInt(1);
            identity = rs.getString(2);
            identityBytes = Differences.bytes(identity);
            if (sql.keyed()) {
                hash = rs.getLong(3);
                copies = 1;
            } else {
                copies = rs.getLong(3);
            }
            keyValues = new ArrayList<>(sql.identity().size());
            for (int i = 0; i < sql.identity().size(); i++) {
                keyValues.add(rs.getString(4 + i));
            }
        }

        int compareTo(Cursor o) {
            int c = Integer.compare(bucket, o.bucket);
            return c != 0 ? c : Arrays.compareUnsigned(identityBytes, o.identityBytes);
        }

        String display() {
            return KeyText.of(sql.identity(), keyValues);
        }
    }
}
