package dev.ferry.transforms;

import java.util.HashMap;
import java.util.List;
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

    /**
     * Reads the rows of several keys at once, for {@link TransformChain#applyAll} (the snapshot's batches).
     * Override with one query (e.g. {@code WHERE (a, b) IN (...)} or {@code = ANY(?)}); the default asks
     * {@link #find} for each key.
     *
     * @param keys distinct keys, each with the same columns
     * @return the rows found, by their key (a key equal to one given); keys without a row are left out
     */
    default Map<Map<String, String>, Map<String, String>> findAll(TableId table, List<Map<String, String>> keys) {
        Map<Map<String, String>, Map<String, String>> found = new HashMap<>();
        for (Map<String, String> key : keys) {
            find(table, key).ifPresent(row -> found.put(key, row));
        }
        return found;
    }
}
