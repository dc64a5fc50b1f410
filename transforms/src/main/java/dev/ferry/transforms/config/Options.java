package dev.ferry.transforms.config;

import dev.ferry.transforms.TableId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of one {@code transforms:} entry, read with the entry named in every error
 * ({@code transforms[2] (rename-column)}) and each problem paired with its fix. Tracks which options were read,
 * so {@link #finish()} can reject the ones nobody asked for (usually a typo).
 */
final class Options {
    private final String where;
    private final Map<String, Object> values;
    private final Set<String> used = new LinkedHashSet<>();

    Options(String where, Map<String, Object> values) {
        this.where = where;
        this.values = values;
        used.add("type");
    }

    /** Declares the options this type knows, so finish() can list them even when some were not given. */
    Options known(String... keys) {
        used.addAll(List.of(keys));
        return this;
    }

    IllegalArgumentException error(String problem) {
        return new IllegalArgumentException(where + ": " + problem);
    }

    boolean has(String key) {
        used.add(key);
        return values.containsKey(key);
    }

    /** A required text option; numbers and booleans are accepted as their text. */
    String string(String key, String example) {
        if (!has(key) || values.get(key) == null) {
            throw error("option \"" + key + "\" is missing; add it, e.g. " + key + ": " + example);
        }
        return text(key, values.get(key));
    }

    String optString(String key, String otherwise) {
        return has(key) && values.get(key) != null ? text(key, values.get(key)) : otherwise;
    }

    /**
     * Text form of a YAML scalar (null stays null, as {@code ~} means NULL). Whole numbers are taken as written;
     * decimals and booleans are refused, because YAML has already changed them: {@code 1.50} arrives as 1.5,
     * and {@code yes}, {@code no}, {@code on}, {@code off} arrive as true/false.
     */
    String text(String key, Object v) {
        if (v == null || v instanceof String || v instanceof Integer || v instanceof Long
                || v instanceof java.math.BigInteger) {
            return v == null ? null : v.toString();
        }
        if (v instanceof Number) {
            throw error("option \"" + key + "\" has a decimal number, which YAML does not keep exactly (1.50 "
                    + "becomes 1.5); write it in quotes, e.g. '1.50'");
        }
        if (v instanceof Boolean) {
            throw error("option \"" + key + "\" has a value YAML reads as a boolean (yes, no, on, off, true, false "
                    + "become true/false); write it in quotes, e.g. 'yes'");
        }
        throw error("option \"" + key + "\" must be a single value, not " + describe(v));
    }

    /** A required type name, refused unless it is one ({@link TypeNames}): it reaches SQL as written. */
    String type(String key, String example) {
        return checkedType(key, string(key, example));
    }

    /** An optional type name, checked like {@link #type}. */
    String optType(String key, String otherwise) {
        String t = optString(key, null);
        return t == null ? otherwise : checkedType(key, t);
    }

    private String checkedType(String key, String t) {
        if (!TypeNames.valid(t)) {
            throw error(TypeNames.problem(key, t));
        }
        return t;
    }

    TableId table(String key) {
        String name = string(key, "public.orders");
        try {
            return TableId.parse(name);
        } catch (IllegalArgumentException e) {
            throw error("option \"" + key + "\": " + e.getMessage());
        }
    }

    int integer(String key, int otherwise) {
        if (!has(key) || values.get(key) == null) {
            return otherwise;
        }
        Object v = values.get(key);
        if (v instanceof Integer i && i >= 0) {
            return i;
        }
        throw error("option \"" + key + "\" must be a whole number of 0 or more, not " + describe(v));
    }

    boolean bool(String key, boolean otherwise) {
        if (!has(key) || values.get(key) == null) {
            return otherwise;
        }
        if (values.get(key) instanceof Boolean b) {
            return b;
        }
        throw error("option \"" + key + "\" must be true or false, not " + describe(values.get(key)));
    }

    /** A list of text, or a single text value taken as a list of one. */
    List<String> stringList(String key, String example) {
        if (!has(key) || values.get(key) == null) {
            throw error("option \"" + key + "\" is missing; add it, e.g. " + key + ": " + example);
        }
        Object v = values.get(key);
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object o : list) {
                out.add(text(key, o));
            }
        } else {
            out.add(text(key, v));
        }
        if (out.isEmpty()) {
            throw error("option \"" + key + "\" is empty; list at least one, e.g. " + key + ": " + example);
        }
        return out;
    }

    Map<String, String> stringMap(String key, String example) {
        if (!has(key) || !(values.get(key) instanceof Map<?, ?> m) || m.isEmpty()) {
            throw error("option \"" + key + "\" must be a non-empty map, e.g. " + key + ": " + example);
        }
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), text(key, v)));
        return out;
    }

    /** The value as YAML gave it (null when absent or ~). */
    Object rawValue(String key) {
        used.add(key);
        return values.get(key);
    }

    /** Rejects options nobody read: they are typos or belong to another type. */
    void finish() {
        for (String key : values.keySet()) {
            if (!used.contains(key)) {
                throw error("unknown option \"" + key + "\"; the options of this type are "
                        + String.join(", ", used.stream().filter(k -> !k.equals("type")).toList()));
            }
        }
    }

    private static String describe(Object v) {
        return v instanceof List ? "a list" : v instanceof Map ? "a map" : "\"" + v + "\"";
    }
}
