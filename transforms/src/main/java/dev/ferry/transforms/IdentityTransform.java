package dev.ferry.transforms;

import java.util.List;

/** Changes nothing: the default when no transforms are configured. */
public final class IdentityTransform implements Transform {
    public static final IdentityTransform INSTANCE = new IdentityTransform();

    private IdentityTransform() {}

    @Override
    public String name() {
        return "identity";
    }

    @Override
    public boolean touches(TableId table) {
        return false;
    }

    @Override
    public List<Row> apply(Row row) {
        return List.of(row);
    }
}
