package dev.ferry.verify.internal;

import dev.ferry.transforms.TableId;
import java.util.List;

/**
 * One side's view of a compared table: its name, the columns compared and its key. The two sides' lists pair up
 * by position, so a column renamed by a transform is compared with its old self.
 *
 * @param key the primary-key columns, empty for a keyless table
 */
public record TableShape(TableId table, List<String> columns, List<String> key) {
    public TableShape {
        columns = List.copyOf(columns);
        key = List.copyOf(key);
    }
}
