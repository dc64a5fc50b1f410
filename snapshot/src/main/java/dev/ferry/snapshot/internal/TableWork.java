package dev.ferry.snapshot.internal;

import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One source table and the shape it takes on the target.
 *
 * @param passThrough true when no transform touches it: its COPY bytes go to the target unparsed
 */
public record TableWork(TableInfo source, TableSchema target, boolean passThrough) {

    public static TableWork of(TableInfo source, TransformChain chain) {
        boolean through = chain.passesThrough(source.id());
        return new TableWork(source, through ? source.schema() : chain.mapSchema(source.schema()), through);
    }

    public TableId id() {
        return source.id();
    }

    public TableId targetId() {
        return target.id();
    }

    /**
     * Binary COPY only when every copied column's type is built in: binary arrays, records and enums carry type
     * OIDs, which differ between servers.
     */
    public boolean binary() {
        return passThrough && source.schema().copiedColumns().stream()
                .allMatch(c -> c.builtin() && !TEXT_ONLY.contains(c.type().replace("[]", "")));
    }

    /**
     * Built-in types whose binary form does not survive a round trip: PostgreSQL's binary input rejects the empty
     * {@code tsquery} its binary output writes ("malformed tsquery"), found by the fidelity fixture.
     */
    static final Set<String> TEXT_ONLY = Set.of("tsquery");

    /** The source columns read; generated columns are left out, the target computes them. */
    public List<Column> sourceColumns() {
        return source.schema().copiedColumns();
    }

    public List<Column> targetColumns() {
        return target.copiedColumns();
    }

    static String columnList(List<Column> columns) {
        return columns.stream().map(Column::quotedName).collect(Collectors.joining(", "));
    }
}
