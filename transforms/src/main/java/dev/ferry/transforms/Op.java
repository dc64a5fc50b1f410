package dev.ferry.transforms;

/**
 * The kind of a change. The code letter is what journals store, so a constant is never renamed or removed.
 */
public enum Op {
    INSERT('c'),
    UPDATE('u'),
    DELETE('d'),
    TRUNCATE('t');

    private final char code;

    Op(char code) {
        this.code = code;
    }

    public char code() {
        return code;
    }

    public static Op ofCode(char code) {
        for (Op op : values()) {
            if (op.code == code) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown change code: " + code);
    }
}
