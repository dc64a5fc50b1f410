package dev.ferry.verify.internal;

import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import dev.ferry.verify.RowDifference;
import dev.ferry.verify.RowDifference.Kind;
import dev.ferry.verify.RowSource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Compares a table the transforms touch: its source rows stream through the {@link TransformChain} (the same
 * code the snapshot and the stream use), in batches so enrichment looks its keys up in one query, and into the
 * target's text form ({@link TargetText}); the target's rows stream as they are, and both are hashed here, in
 * Ferry, the same way. Like {@link SqlHashComparison} it works in two passes, buckets by key hash first, then
 * only the rows of mismatching buckets. It is slower than hashing in SQL (every row crosses the network) and
 * only used where SQL cannot see what the transforms do, including transforms that change a table's shape
 * (columns added, dropped, renamed, retyped, filled from other tables).
 *
 * <p>Memory: bucket arrays, plus the rows of the mismatching buckets, at most {@code keepRows} of both sides
 * together. Mismatching buckets are listed in bucket order as long as their rows (counted by the first pass) fit;
 * the rest are not listed, and each counts as one differing row, so the result says "at least N rows differ"
 * ({@link SqlHashComparison.Outcome#lowerBound}) rather than ever missing a difference.
 *
 * <p>A column the transforms leave absent from every row (an added column the target's DEFAULT fills) cannot be
 * compared and is left out on both sides ({@link #uncompared()}).
 */
public final class StreamComparison {
    /** Source rows transformed (and their values cast by the target) per batch. */
    static final int BATCH = 1000;

    private final Side source;
    private final Side target;
    private final CommonPoint point;
    private final TableSchema sourceSchema;
    private final TableId targetTable;
    private final TransformChain chain;
    private final List<String> compared;
    private final List<String> key;
    private final int buckets;
    private final int keepRows;
    private final TargetText targetText;
    /** Compared columns absent from transformed source rows: the target fills them, so neither side hashes them. */
    private final java.util.Set<String> absent = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private List<String> hashed;
    private int hashedFor;
    private CommonPoint.Outcome lastOutcome = CommonPoint.Outcome.NOT_STREAMING;

    /**
     * @param mapped   the source schema after the transforms: what the target should hold
     * @param onTarget the target table as its catalog describes it
     */
    public StreamComparison(Side source, Side target, CommonPoint point, TableSchema sourceSchema, TableSchema mapped,
                            TableSchema onTarget, TransformChain chain, long estimatedRows) {
        this(source, target, point, sourceSchema, mapped, onTarget, chain, estimatedRows, Differences.KEEP);
    }

    /** @param keepRows rows of mismatching buckets held in memory, both sides together (tests lower it) */
    StreamComparison(Side source, Side target, CommonPoint point, TableSchema sourceSchema, TableSchema mapped,
                     TableSchema onTarget, TransformChain chain, long estimatedRows, int keepRows) {
        this.source = source;
        this.target = target;
        this.point = point;
        this.sourceSchema = sourceSchema;
        this.targetTable = mapped.id();
        this.chain = chain;
        List<String> targetColumns = onTarget.columns().stream().map(c -> c.name()).toList();
        this.compared = mapped.columns().stream().map(c -> c.name()).filter(targetColumns::contains).toList();
        this.key = mapped.key();
        this.buckets = SqlHashComparison.bucketsFor(estimatedRows);
        this.keepRows = keepRows;
        this.targetText = new TargetText(target, onTarget, compared);
    }

    /** Columns of the target the comparison could not look at, because the transforms leave them to the target. */
    public List<String> uncompared() {
        return compared.stream().filter(absent::contains).toList();
    }

    public SqlHashComparison.Outcome run(int rechecks, int listLimit) throws SQLException, InterruptedException {
        BucketSums a = new BucketSums(buckets);
        BucketSums b = new BucketSums(buckets);
        read((src, tgt) -> {
            src.stream(r -> a.add(bucket(r), 1, rowHash(r)));
            tgt.stream(r -> b.add(bucket(r), 1, rowHash(r)));
        });
        int[] mismatched = BucketSums.mismatches(a, b, null);
        if (mismatched.length == 0) {
            return new SqlHashComparison.Outcome(a.rows(), b.rows(), 0, List.of(), lastOutcome, false);
        }
        int[] listed = fitting(mismatched, a, b);
        Listing found = list(listed);
        if (found.spilled()) {
            // More rows than the first pass counted (writes in between): the listing is not trustworthy, but every
            // mismatching bucket holds at least one differing row.
            return new SqlHashComparison.Outcome(a.rows(), b.rows(), mismatched.length, List.of(), lastOutcome, true);
        }
        Differences d = found.differences();
        for (int i = 0; i < rechecks && d.total() > 0 && !d.overflowed(); i++) {
            Listing again = list(d.buckets());
            if (again.spilled()) {
                break;
            }
            d = d.confirmedBy(again.differences());
        }
        long unlisted = mismatched.length - listed.length;
        return new SqlHashComparison.Outcome(a.rows(), b.rows(), d.total() + unlisted, d.first(listLimit), lastOutcome,
                unlisted > 0);
    }

    /** The mismatching buckets, in order, whose rows (both sides, as the first pass counted) fit in memory together. */
    private int[] fitting(int[] mismatched, BucketSums a, BucketSums b) {
        long held = 0;
        java.util.stream.IntStream.Builder out = java.util.stream.IntStream.builder();
        for (int bucket : mismatched) {
            long rows = a.count(bucket) + b.count(bucket);
            if (held + rows <= keepRows) {
                held += rows;
                out.add(bucket);
            }
        }
        return out.build().toArray();
    }

    private interface Reads {
        void accept(RowSource source, RowSource target) throws SQLException;
    }

    /** Reads the source, waits for the stream to apply up to the source's position, then reads the target. */
    private void read(Reads reads) throws SQLException, InterruptedException {
        try (ConsistentRead s = ConsistentRead.begin(source, false, true)) {
            RowSource src = sink -> {
                List<Row> batch = new ArrayList<>(BATCH);
                select(s.connection, sourceSchema.id(), sourceSchema.columns().stream().map(c -> c.name()).toList(),
                        raw -> {
                            batch.add(Row.of(sourceSchema, raw.toArray(new String[0])));
                            if (batch.size() >= BATCH) {
                                transformed(batch, sink);
                            }
                        });
                transformed(batch, sink);
            };
            // Callers consume the source rows before the target's: the wait sits between the two reads.
            reads.accept(src, sink -> {
                try {
                    lastOutcome = point.await(s.lsn);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted", e);
                }
                try (ConsistentRead t = ConsistentRead.begin(target, false, false)) {
                    TableSchema shape = new TableSchema(targetTable, compared.stream()
                            .map(n -> dev.ferry.transforms.Column.of(n, "text")).toList(), key);
                    select(t.connection, targetTable, compared, raw -> sink.accept(Row.of(shape, raw.toArray(new String[0]))));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted", e);
                }
            });
        }
    }

    /** Passes a batch of source rows through the transforms into the target's text, then to {@code sink}. */
    private void transformed(List<Row> batch, Consumer<Row> sink) {
        if (batch.isEmpty()) {
            return;
        }
        List<Row> out = new ArrayList<>(batch.size());
        for (Row r : chain.applyAll(batch)) {
            if (r.table().equals(targetTable)) {
                out.add(r);
                for (String n : compared) {
                    if (!r.has(n)) {
                        absent.add(n);
                    }
                }
            }
        }
        batch.clear();
        try {
            targetText.of(out).forEach(sink);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void select(Connection c, TableId table, List<String> columns, Consumer<List<String>> sink)
            throws SQLException {
        String sql = "SELECT " + columns.stream().map(n -> Identifiers.quote(n) + "::text").collect(Collectors.joining(", "))
                + " FROM ONLY " + table.quoted();
        try (Statement st = c.createStatement()) {
            st.setFetchSize(SqlHashComparison.FETCH);
            try (ResultSet rs = st.executeQuery(sql)) {
                List<String> values = new ArrayList<>(columns.size());
                while (rs.next()) {
                    values.clear();
                    for (int i = 1; i <= columns.size(); i++) {
                        values.add(rs.getString(i));
                    }
                    sink.accept(values);
                }
            }
        }
    }

    /** One row of a mismatching bucket, kept for the merge. */
    private record Kept(long hash, long copies, String display) {}

    /**
     * The differences of one listing pass; {@code spilled} when the listed buckets held more rows than memory
     * may (the table grew since the bucket pass), and the differences cannot be trusted.
     */
    private record Listing(Differences differences, boolean spilled) {}

    private Listing list(int[] only) throws SQLException, InterruptedException {
        java.util.Set<Integer> wanted = Arrays.stream(only).boxed().collect(Collectors.toSet());
        TreeMap<String, Kept> a = new TreeMap<>(StreamComparison::byBytes);
        TreeMap<String, Kept> b = new TreeMap<>(StreamComparison::byBytes);
        boolean[] spilled = new boolean[1];
        if (!wanted.isEmpty()) {
            read((src, tgt) -> {
                src.stream(r -> spilled[0] |= !keep(r, wanted, a, b.size()));
                tgt.stream(r -> spilled[0] |= !keep(r, wanted, b, a.size()));
            });
        }
        Differences out = new Differences();
        if (spilled[0]) {
            return new Listing(out, true);
        }
        for (var e : a.entrySet()) {
            Kept other = b.get(e.getKey());
            Kept mine = e.getValue();
            int bucket = bucketOf(e.getKey());
            if (other == null) {
                out.add(bucket, e.getKey(), new RowDifference(Kind.MISSING_ON_TARGET, mine.display(), mine.copies()));
            } else if (key.isEmpty() && other.copies() != mine.copies()) {
                out.add(bucket, e.getKey(), new RowDifference(mine.copies() > other.copies() ? Kind.MISSING_ON_TARGET
                        : Kind.EXTRA_ON_TARGET, mine.display(), Math.abs(mine.copies() - other.copies())));
            } else if (!key.isEmpty() && other.hash() != mine.hash()) {
                out.add(bucket, e.getKey(), new RowDifference(Kind.DIFFERENT, mine.display(), 1));
            }
        }
        for (var e : b.entrySet()) {
            if (!a.containsKey(e.getKey())) {
                out.add(bucketOf(e.getKey()), e.getKey(), new RowDifference(Kind.EXTRA_ON_TARGET, e.getValue().display(),
                        e.getValue().copies()));
            }
        }
        return new Listing(out, false);
    }

    /**
     * Keeps a row of a wanted bucket; false when memory is full ({@code other} rows held by the other side), and
     * the row is not kept.
     */
    private boolean keep(Row r, java.util.Set<Integer> wanted, TreeMap<String, Kept> into, int other) {
        if (!wanted.contains(bucket(r))) {
            return true;
        }
        String id = identity(r);
        if (!into.containsKey(id) && into.size() + other >= keepRows) {
            return false;
        }
        if (key.isEmpty()) {
            String display = KeyText.of(hashed(), hashed().stream().map(n -> r.has(n) ? r.get(n) : null).toList());
            into.merge(id, new Kept(0, 1, display), (x, y) -> new Kept(0, x.copies() + 1, display));
        } else {
            into.put(id, new Kept(rowHash(r), 1, KeyText.of(key, key.stream().map(r::get).toList())));
        }
        return true;
    }

    /** The compared columns both sides hash: all but those the transforms leave to the target. */
    private List<String> hashed() {
        List<String> h = hashed;
        if (h == null || hashedFor != absent.size()) {
            hashedFor = absent.size();
            h = hashed = compared.stream().filter(n -> !absent.contains(n)).toList();
        }
        return h;
    }

    private static int byBytes(String x, String y) {
        return Arrays.compareUnsigned(Differences.bytes(x), Differences.bytes(y));
    }

    /** Each value length-prefixed, so no choice of values can make two different rows encode alike. */
    private static String encode(Row r, List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            String v = r.has(n) ? r.get(n) : null;
            sb.append(v == null ? "N" : v.length() + ":" + v).append(';');
        }
        return sb.toString();
    }

    private String identity(Row r) {
        return encode(r, key.isEmpty() ? hashed() : key);
    }

    private int bucket(Row r) {
        return bucketOf(identity(r));
    }

    private int bucketOf(String identity) {
        return (int) (hash64(identity, 8) & (buckets - 1));
    }

    private long rowHash(Row r) {
        return hash64(encode(r, hashed()), 0);
    }

    /** 64 bits of the MD5 of the text, from byte {@code offset}: two independent hashes from one digest. */
    private static long hash64(String text, int offset) {
        try {
            byte[] d = MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d, offset, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this Java runtime", e);
        }
    }
}
