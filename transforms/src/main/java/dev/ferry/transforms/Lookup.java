package dev.ferry.transforms;

import java.util.Map;
import java.util.Optional;

/**
 * Reads one row of another source table by key, for enrichment transforms. Implemented by {@code core} over
 * JDBC: during the snapshot under the same exported snapshot, during streaming at the source's current state.
 */
public interface Lookup {

    /**
     * @param table   the source table to read
     * @param key     column name to text value, all of them equality conditions
     * @return the row's values in text form, empty when no row matches
     */
    Optional<Map<String, String>> find(TableId table, Map<String, String> key);
}
