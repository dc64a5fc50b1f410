package dev.ferry.verify.internal;

import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The queries of the in-SQL comparison of one table, the same text for both servers apart from the table name.
 *
 * <p>Rows are spread over {@code buckets} (a power of two) by a hash of their key, not by key ranges: a bucket
 * holds the same rows on both servers whatever their collations and physical order, and one sequential scan
 * (split into ctid ranges for parallel workers) computes every bucket's count and hash sum at once. A
 * mismatching bucket is then narrowed to its rows by a listing ordered by (bucket, key bytes). A keyless
 * table is bucketed by its row hash, so equal rows meet in one bucket and are counted as a multiset.
 */
final class HashSql {
    private final RowHash hash;
    private final List<String> columns;
    private final List<String> key;
    private final java.util.Set<String> binary;
    private final long mask;

    /**
     * @param shape   the columns compared, by name, in the order both servers use, and which of them are hashed
     *                in binary (only with {@link RowHash#FAST})
     * @param buckets a power of two
     */
    HashSql(RowHash hash, TableShape shape, int buckets) {
        if (Integer.bitCount(buckets) != 1) {
            throw new IllegalArgumentException("buckets must be a power of two: " + buckets);
        }
        this.hash = hash;
        this.columns = shape.columns();
        this.key = shape.key();
        this.binary = hash == RowHash.FAST ? shape.binary() : java.util.Set.of();
        this.mask = buckets - 1L;
    }

    boolean keyed() {
        return !key.isEmpty();
    }

    List<String> key() {
        return key;
    }

    /** The columns that name a row in a listing: the key, or every column of a keyless table. */
    List<String> identity() {
        return keyed() ? key : columns;
    }

    private static String row(List<String> names) {
        return "ROW(" + names.stream().map(n -> "t." + Identifiers.quote(n)).collect(Collectors.joining(", ")) + ")";
    }

    private static String rowText(List<String> names) {
        return row(names) + "::text";
    }

    /**
     * The row's 64-bit hash: of its text, or, when some columns are hashed in binary, of the text of the others
     * seeded with the binary hash of those, so every column still belongs to its row.
     */
    private String rowHash() {
        if (binary.isEmpty()) {
            return hash.sql(rowText(columns), 0);
        }
        List<String> bin = columns.stream().filter(binary::contains).toList();
        List<String> text = columns.stream().filter(c -> !binary.contains(c)).toList();
        String binaryHash = "hash_record_extended(" + row(bin) + ", 0)";
        return text.isEmpty() ? binaryHash : "hashtextextended(" + rowText(text) + ", " + binaryHash + ")";
    }

    /** The key as text: a single column's own text (cheaper than a record), else the record of the key columns. */
    private String keyText() {
        return key.size() == 1 ? "t." + Identifiers.quote(key.get(0)) + "::text" : rowText(key);
    }

    /** The key's bucket: from its binary hash when every key column is hashed in binary, else from its text. */
    private String keyBucket() {
        String h = binary.containsAll(key) ? "hash_record_extended(" + row(key) + ", 1)" : hash.sql(keyText(), 1);
        return "(" + h + " & " + mask + ")::int";
    }

    private static String bucketFilter(String bucketExpr, int[] only) {
        if (only == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" WHERE ").append(bucketExpr).append(" = ANY('{");
        for (int i = 0; i < only.length; i++) {
            sb.append(i == 0 ? "" : ",").append(only[i]);
        }
        return sb.append("}'::int[])").toString();
    }

    private static String pages(long fromPage, long toPage) {
        StringBuilder sb = new StringBuilder();
        if (fromPage > 0) {
            sb.append(" AND t.ctid >= '(").append(fromPage).append(",0)'::tid");
        }
        if (toPage >= 0) {
            sb.append(" AND t.ctid < '(").append(toPage).append(",0)'::tid");
        }
        return sb.toString();
    }

    /**
     * Row count and sum of row hashes (numeric as text) over the rows on pages {@code [fromPage, toPage)}
     * ({@code toPage} -1: to the end, so rows added meanwhile are not lost), as one row with bucket 0. A plain
     * aggregate: about 40% cheaper than the bucketed one, so an equal table costs one hash per row and nothing more.
     */
    String total(TableId table, long fromPage, long toPage) {
        return "SELECT 0, count(*), coalesce(sum(" + rowHash() + "), 0)::text FROM ONLY " + table.quoted()
                + " t WHERE true" + pages(fromPage, toPage);
    }

    /**
     * Per bucket: bucket, row count, sum of row hashes (numeric as text), over the rows on the pages as in
     * {@link #total}, limited to the buckets {@code only} unless null.
     */
    String aggregate(TableId table, long fromPage, long toPage, int[] only) {
        String from = " FROM ONLY " + table.quoted() + " t WHERE true" + pages(fromPage, toPage);
        if (keyed()) {
            return "SELECT b, count(*), sum(h)::text FROM (SELECT " + keyBucket() + " AS b, " + rowHash() + " AS h"
                    + from + ") s" + bucketFilter("b", only) + " GROUP BY b";
        }
        // OFFSET 0 keeps the subquery apart, so the row hash is computed once, not once per use.
        return "SELECT (h & " + mask + ")::int AS b, count(*), sum(h)::text FROM (SELECT " + rowHash() + " AS h"
                + from + " OFFSET 0) s" + bucketFilter("(h & " + mask + ")::int", only) + " GROUP BY 1";
    }

    /**
     * Rows of the given buckets in (bucket, key bytes) order: bucket, key text, row hash, then each key
     * column's text. For keyless tables: bucket, row text, copies, then each column's text.
     */
    String listing(TableId table, int[] only) {
        if (keyed()) {
            StringBuilder keys = new StringBuilder();
            for (int i = 0; i < key.size(); i++) {
                keys.append(", t.").append(Identifiers.quote(key.get(i))).append("::text AS k").append(i);
            }
            StringBuilder outer = new StringBuilder();
            for (int i = 0; i < key.size(); i++) {
                outer.append(", k").append(i);
            }
            return "SELECT b, kt, h" + outer + " FROM (SELECT " + keyBucket() + " AS b, " + keyText() + " AS kt, "
                    + rowHash() + " AS h" + keys + " FROM ONLY " + table.quoted() + " t) s" + bucketFilter("b", only)
                    + " ORDER BY b, convert_to(kt, 'UTF8')";
        }
        StringBuilder values = new StringBuilder();
        StringBuilder outer = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            values.append(", t.").append(Identifiers.quote(columns.get(i))).append("::text AS k").append(i);
            outer.append(", k").append(i);
        }
        return "SELECT (h & " + mask + ")::int AS b, rt, count(*)" + outer + " FROM (SELECT " + rowHash() + " AS h, "
                + rowText(columns) + " AS rt" + values + " FROM ONLY " + table.quoted() + " t OFFSET 0) s"
                + bucketFilter("(h & " + mask + ")::int", only) + " GROUP BY 1, 2" + outer
                + " ORDER BY 1, convert_to(rt, 'UTF8')";
    }
}
