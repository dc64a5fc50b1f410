package dev.ferry.transforms.builtin;

import dev.ferry.transforms.TableId;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Replaces values by a map ({@code A → active}). A value the map lacks takes {@code default:} when one is
 * given (it may be {@code ~}, NULL), is kept when {@code keep_unmapped: true}, and otherwise stops the run
 * naming the value. NULL stays NULL. Map keys and values are text: quote numbers in YAML ({@code '01': x}).
 *
 * <pre>
 * transforms:
 *   - type: recode
 *     table: public.users
 *     column: status
 *     map: {A: active, I: inactive, D: deleted}
 *     default: unknown          # or keep_unmapped: true; neither = fail on unmapped values
 * </pre>
 */
public final class Recode extends ValueTransform {
    /** What happens to a value the map lacks. */
    public enum Unmapped { FAIL, KEEP, DEFAULT }

    private final Map<String, String> map;
    private final Unmapped unmapped;
    private final String defaultValue;

    public Recode(TableId table, String column, Map<String, String> map, Unmapped unmapped, String defaultValue) {
        super("recode", table, column);
        this.map = new LinkedHashMap<>(map);
        this.unmapped = unmapped;
        this.defaultValue = defaultValue;
    }

    @Override
    protected String convert(String value) {
        if (map.containsKey(value)) {
            return map.get(value);
        }
        return switch (unmapped) {
            case KEEP -> value;
            case DEFAULT -> defaultValue;
            case FAIL -> throw new IllegalArgumentException("has no mapping; add it to map:, or set default: or "
                    + "keep_unmapped: true");
        };
    }
}
