package dev.ferry.verify.internal;

/**
 * The SQL hash both servers compute over a value's text form: 64 bits, summed per bucket.
 *
 * <p>Why these: the text form ({@code ROW(c1, c2, ...)::text}, columns listed by name) is what the fidelity
 * rule compares, prints identically on PostgreSQL 15 and 17 under the pinned session settings, and does not
 * depend on column order or physical layout. {@link #FAST} ({@code hashtextextended}, PostgreSQL 11+) hashes
 * 5.2 M rows of {@code data_fact} in about 4 s on one core, against 7.7 s for md5; 64 bits make a changed row
 * escape detection with odds of 2^-64, which is plenty for a check (not a defence against an adversary).
 * It hashes the bytes of the text in the database encoding with a hash whose output depends on byte order, so
 * it is only used when both servers give the same answer for a probe and have the same encoding; otherwise
 * {@link #MD5} over the UTF-8 bytes, portable everywhere, is used.
 *
 * <p>Buckets use a second, independent hash of the key (seed 1), so the row hash (seed 0) sums stay a strong
 * check within a bucket. Sums (not XOR) keep duplicate rows of keyless tables from cancelling out.
 */
public enum RowHash {
    FAST {
        @Override
        String sql(String textExpr, int seed) {
            return "hashtextextended(" + textExpr + ", " + seed + ")";
        }
    },
    MD5 {
        @Override
        String sql(String textExpr, int seed) {
            // 32 hex digits hold two independent 64-bit values: seed 0 takes the first, seed 1 the second.
            return "('x' || substr(md5(convert_to(" + textExpr + ", 'UTF8')), " + (1 + 16 * seed) + ", 16))::bit(64)::bigint";
        }
    };

    /** A bigint expression hashing {@code textExpr}; seeds 0 and 1 give independent hashes. */
    abstract String sql(String textExpr, int seed);

    /** The probe whose answers must match on both servers for {@link #FAST} to be used. */
    static final String PROBE = "SELECT hashtextextended('ferry verify probe 0123456789', 7)::text";

    /** Binary hashes of the {@link TableShape#BINARY_SAFE} types, which both servers must give alike. */
    static final String BINARY_PROBE = "SELECT hash_record_extended(ROW(-7::smallint, 2147483647, -1::bigint, "
            + "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, true, date '2024-02-29', 'ferry ünï'::text, "
            + "'x'::varchar, '\\x00ff'::bytea, timestamp '2001-02-03 04:05:06.789', "
            + "timestamptz '2001-02-03 04:05:06.789+00', NULL::int), 7)::text";

    /**
     * True when both servers hash the binary-safe types alike (PostgreSQL 14+ for {@code hash_record_extended},
     * same encoding, same byte order), so {@link TableShape#binary} columns may skip their text form.
     */
    public static boolean binaryAgrees(Side source, Side target) {
        try {
            return choose(source, target) == FAST && source.version >= 140000 && target.version >= 140000
                    && source.queryOne(BINARY_PROBE).equals(target.queryOne(BINARY_PROBE));
        } catch (java.sql.SQLException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Chooses the hash both servers can agree on. */
    public static RowHash choose(Side source, Side target) {
        try {
            if (source.version >= 110000 && target.version >= 110000 && source.encoding.equals(target.encoding)
                    && source.queryOne(PROBE).equals(target.queryOne(PROBE))) {
                return FAST;
            }
            return MD5;
        } catch (java.sql.SQLException e) {
            return MD5;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
