package dev.ferry.verify.internal;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One side's view of a compared table: its name, the columns compared and its key. The two sides' lists pair up
 * by position, so a column renamed by a transform is compared with its old self.
 *
 * @param key    the primary-key columns, empty for a keyless table
 * @param binary the columns hashed from their binary value rather than their text (see {@link #BINARY_SAFE})
 */
public record TableShape(TableId table, List<String> columns, List<String> key, Set<String> binary) {
    public TableShape {
        columns = List.copyOf(columns);
        key = List.copyOf(key);
        binary = Set.copyOf(binary);
    }

    /**
     * Types whose hash function ({@code hash_record_extended} uses it) tells two values apart exactly when their
     * text differs, and is the same on every PostgreSQL version (hash partitioning depends on that). Formatting
     * text costs more than everything else verify does (timestamps most of all), so these skip it: about twice
     * as fast on a typical table. Not here on purpose: floats (-0 and 0 hash alike), numeric (1.0 and 1.00),
     * jsonb, interval (1 day and 24 hours), enums (hashed by OID, which differs between servers), arrays,
     * composites, domains, and any column with an explicit collation.
     */
    static final Pattern BINARY_SAFE = Pattern.compile("smallint|integer|bigint|uuid|boolean|date|text|bytea"
            + "|character varying(\\(\\d+\\))?|timestamp(\\(\\d\\))? with(out)? time zone");

    /** Source and target shapes of one comparison. */
    public record Pair(TableShape source, TableShape target) {}

    /**
     * Pairs the source columns with the target's: {@code mapped} is the source schema after the transforms
     * (same column positions as {@code source}); columns missing on the target are left out.
     *
     * @param binaryHashes true when both servers compute the same binary hashes (see {@link RowHash#binaryAgrees})
     */
    public static Pair of(TableSchema source, TableSchema mapped, TableSchema target, boolean binaryHashes) {
        List<String> from = new ArrayList<>();
        List<String> to = new ArrayList<>();
        Set<String> fromBinary = new LinkedHashSet<>();
        Set<String> toBinary = new LinkedHashSet<>();
        for (int i = 0; i < mapped.columns().size(); i++) {
            Column s = source.columns().get(i);
            Optional<Column> t = target.column(mapped.columns().get(i).name());
            if (t.isEmpty()) {
                continue;
            }
            from.add(s.name());
            to.add(t.get().name());
            if (binaryHashes && s.type().equals(t.get().type()) && BINARY_SAFE.matcher(s.type()).matches()
                    && s.collation() == null && t.get().collation() == null) {
                fromBinary.add(s.name());
                toBinary.add(t.get().name());
            }
        }
        return new Pair(new TableShape(source.id(), from, source.key(), fromBinary),
                new TableShape(mapped.id(), to, mapped.key(), toBinary));
    }
}
