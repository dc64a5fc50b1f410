package dev.ferry.transforms;

import java.util.ArrayList;
import java.util.List;

/**
 * The configured transforms applied in order: the output rows of one are the input of the next.
 * An empty chain is the identity. Thread-safe when its transforms are.
 */
public final class TransformChain {
    private final List<Transform> transforms;

    public TransformChain(List<Transform> transforms) {
        this.transforms = List.copyOf(transforms);
    }

    public static TransformChain identity() {
        return new TransformChain(List.of());
    }

    /** True when no transform touches the table: the snapshot may pipe its COPY bytes unparsed. */
    public boolean passesThrough(TableId table) {
        for (Transform t : transforms) {
            if (t.touches(table)) {
                return false;
            }
        }
        return true;
    }

    public TableSchema mapSchema(TableSchema source) {
        TableSchema s = source;
        for (Transform t : transforms) {
            if (t.touches(s.id())) {
                s = t.mapSchema(s);
            }
        }
        return s;
    }

    public List<Row> apply(Row row) {
        List<Row> rows = List.of(row);
        for (Transform t : transforms) {
            List<Row> next = new ArrayList<>(rows.size());
            for (Row r : rows) {
                if (!t.touches(r.table())) {
                    next.add(r);
                    continue;
                }
                try {
                    next.addAll(t.apply(r));
                } catch (TransformException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new TransformException(t.name(), r, e);
                }
            }
            rows = next;
        }
        return rows;
    }
}
