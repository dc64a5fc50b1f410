package dev.ferry.core.catalog;

import dev.ferry.transforms.TableId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A read of the source catalog for the chosen tables: immutable, taken once per command.
 *
 * @param tables    by id, in a stable order (parents before their partitions)
 * @param types     user-defined types the tables use, in creation order (dependencies first)
 * @param sequences sequences owned by the tables' columns, and those their defaults use
 */
public record Catalog(Map<TableId, TableInfo> tables, List<TypeInfo> types, List<SequenceInfo> sequences) {

    public Optional<TableInfo> table(TableId id) {
        return Optional.ofNullable(tables.get(id));
    }

    /** Tables that hold rows: everything but partitioned parents. */
    public List<TableInfo> dataTables() {
        return tables.values().stream().filter(t -> !t.partitioned()).toList();
    }
}
