package dev.ferry.transforms;

/** A transform failed on a row: carries what the user needs to find and fix it. */
public final class TransformException extends RuntimeException {
    private final String transform;
    private final TableId table;
    private final String key;

    public TransformException(String transform, Row row, Throwable cause) {
        super("transform " + transform + " failed on " + row.table() + " (" + row.describeKey() + "): "
                + cause.getMessage(), cause);
        this.transform = transform;
        this.table = row.table();
        this.key = row.describeKey();
    }

    public String transform() {
        return transform;
    }

    public TableId table() {
        return table;
    }

    public String key() {
        return key;
    }
}
