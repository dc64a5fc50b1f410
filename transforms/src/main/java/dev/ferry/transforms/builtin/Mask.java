package dev.ferry.transforms.builtin;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;

/**
 * Masks a column (PII): every character but the last {@code keep_last} becomes {@code with} ({@code *}), so
 * {@code 4111111111111111} becomes {@code ************1111}. NULL stays NULL. A non-text column becomes
 * {@code text} on the target, since masked values are no longer numbers or dates.
 *
 * <pre>
 * transforms:
 *   - type: mask
 *     table: public.payments
 *     column: card_number
 *     keep_last: 4       # default 0
 *     with: '*'          # default '*'
 * </pre>
 */
public final class Mask extends ValueTransform {
    private final int keepLast;
    private final String with;

    public Mask(TableId table, String column, int keepLast, String with) {
        super("mask", table, column);
        if (keepLast < 0) {
            throw new IllegalArgumentException("keep_last cannot be negative");
        }
        this.keepLast = keepLast;
        this.with = with;
    }

    @Override
    protected Column mapColumn(Column c) {
        return BuiltinTypes.isText(c.type()) ? c : asText(c);
    }

    static Column asText(Column c) {
        return new Column(c.name(), "text", true, c.notNull(), null, null, null, null);
    }

    @Override
    protected String convert(String value) {
        int n = value.codePointCount(0, value.length());
        int masked = Math.max(0, n - keepLast);
        int cut = value.offsetByCodePoints(0, masked);
        return with.repeat(masked) + value.substring(cut);
    }
}
