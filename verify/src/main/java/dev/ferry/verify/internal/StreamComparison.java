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
 * code the snapshot and the stream use), the target's rows stream as they are, and both are hashed here, in
 * Ferry, the same way. Like {@link SqlHashComparison} it works in two passes, buckets by key hash first, then
 * only the rows of mismatching buckets, so nothing but bucket arrays and the differing rows stays in memory.
 * It is slower than hashing in SQL (every row crosses the network) and only used where SQL cannot see what the
 * transforms do.
 */
public final class StreamComparison {
    private final Side source;
    private final Side target;
    private final CommonPoint point;
    private final TableSchema sourceSchema;
    private final TableId targetTable;
    private final List<String> targetColumns;
    private final TransformChain chain;
    private final List<String> compared;
    private final List<String> key;
    private final int buckets;
    private CommonPoint.Outcome lastOutcome = CommonPoint.Outcome.NOT_STREAMING;

    /**
     * @param mapped        the source schema after the transforms: what the target should hold
     * @param targetColumns the target table's columns
     */
    public StreamComparison(Side source, Side target, CommonPoint point, TableSchema sourceSchema, TableSchema mapped,
                            List<String> targetColumns, TransformChain chain, long estimatedRows) {
        this.source = source;
        this.target = target;
        this.point = point;
        this.sourceSchema = sourceSchema;
        this.targetTable = mapped.id();
        this.targetColumns = List.copyOf(targetColumns);
        this.chain = chain;
        this.compared = mapped.columns().stream().map(c -> c.name()).filter(targetColumns::contains).toList();
        this.key = mapped.key();
        this.buckets = SqlHashComparison.bucketsFor(estimatedRows);
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
            return new SqlHashComparison.Outcome(a.rows(), b.rows(), 0, List.of(), lastOutcome);
        }
        Differences found = list(mismatched);
        for (int i = 0; i < rechecks && found.total() > 0 && !found.overflowed(); i++) {
            found = found.confirmedBy(list(found.buckets()));
        }
        return new SqlHashComparison.Outcome(a.rows(), b.rows(), found.total(), found.first(listLimit), lastOutcome);
    }

    private interface Reads {
        void accept(RowSource source, RowSource target) throws SQLException;
    }

    /** Reads the source, waits for the stream to apply up to the source's position, then reads the target. */
    private void read(Reads reads) throws SQLException, InterruptedException {
        try (ConsistentRead s = ConsistentRead.begin(source, false, true)) {
            RowSource src = sink -> select(s.connection, sourceSchema.id(),
                    sourceSchema.columns().stream().map(c -> c.name()).toList(), raw -> {
                        for (Row out : chain.apply(Row.of(sourceSchema, raw.toArray(new String[0])))) {
                            if (out.table().equals(targetTable)) {
                                sink.accept(out);
                            }
                        }
                    });
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

    private Differences list(int[] only) throws SQLException, InterruptedException {
        java.util.Set<Integer> wanted = Arrays.stream(only).boxed().collect(Collectors.toSet());
        TreeMap<String, Kept> a = new TreeMap<>(StreamComparison::byBytes);
        TreeMap<String, Kept> b = new TreeMap<>(StreamComparison::byBytes);
        read((src, tgt) -> {
            src.stream(r -> keep(r, wanted, a));
            tgt.stream(r -> keep(r, wanted, b));
        });
        Differences out = new Differences();
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
        return out;
    }

    private void keep(Row r, java.util.Set<Integer> wanted, TreeMap<String, Kept> into) {
        if (!wanted.contains(bucket(r)) || into.size() >= Differences.KEEP) {
            return;
        }
        String id = identity(r);
        if (key.isEmpty()) {
            String display = KeyText.of(compared, compared.stream().map(n -> r.has(n) ? r.get(n) : null).toList());
            into.merge(id, new Kept(0, 1, display), (x, y) -> new Kept(0, x.copies() + 1, display));
        } else {
            into.put(id, new Kept(rowHash(r), 1, KeyText.of(key, key.stream().map(r::get).toList())));
        }
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
        return encode(r, key.isEmpty() ? compared : key);
    }

    private int bucket(Row r) {
        return bucketOf(identity(r));
    }

    private int bucketOf(String identity) {
        return (int) (hash64(identity, 8) & (buckets - 1));
    }

    private long rowHash(Row r) {
        return hash64(encode(r, compared), 0);
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
