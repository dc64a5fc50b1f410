package dev.ferry.verify;

import java.util.List;

/** The outcome of {@code ferry verify}: one result per table, in catalog order. */
public record VerifyResult(List<TableResult> tables, double seconds) {

    public boolean equal() {
        return tables.stream().allMatch(TableResult::equal);
    }

    public long differingTables() {
        return tables.stream().filter(t -> !t.equal()).count();
    }
}
