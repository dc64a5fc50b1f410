package dev.ferry.transforms.config;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.Transform;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformContext;
import dev.ferry.transforms.TransformProvider;
import dev.ferry.transforms.builtin.AddColumn;
import dev.ferry.transforms.builtin.BuiltinTypes;
import dev.ferry.transforms.builtin.ChangeType;
import dev.ferry.transforms.builtin.Compute;
import dev.ferry.transforms.builtin.DropColumn;
import dev.ferry.transforms.builtin.Enrich;
import dev.ferry.transforms.builtin.Expression;
import dev.ferry.transforms.builtin.Filter;
import dev.ferry.transforms.builtin.Hash;
import dev.ferry.transforms.builtin.Mask;
import dev.ferry.transforms.builtin.Recode;
import dev.ferry.transforms.builtin.RenameColumn;
import dev.ferry.transforms.builtin.RenameTable;
import dev.ferry.transforms.builtin.Template;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Builds the {@link TransformChain} from the {@code transforms:} list of ferry.yml, as Jackson YAML reads it:
 * each entry a map with {@code type:} plus that type's options. Built-in types first, then
 * {@link TransformProvider}s found with {@link ServiceLoader} (a custom transform jar on the classpath).
 * Configuration is validated here, once: an unknown type, a missing or unknown option, or a bad value is an
 * {@link IllegalArgumentException} whose message names the entry ({@code transforms[2] (rename-column)}) and
 * the fix. Checks that need the table's columns happen in {@link TransformChain#mapSchema}, which the snapshot
 * and {@code check} call before any row moves.
 *
 * <pre>
 *   TransformChain chain = TransformConfig.build(configFile.transforms(), TransformContext.of(lookup));
 * </pre>
 */
public final class TransformConfig {
    private TransformConfig() {}

    private static final Map<String, BiFunction<Options, TransformContext, Transform>> BUILTINS = builtins();

    /** The chain with no lookup available (enrichment then fails when used); null or empty → identity. */
    public static TransformChain build(List<Map<String, Object>> entries) {
        return build(entries, TransformContext.NONE);
    }

    public static TransformChain build(List<Map<String, Object>> entries, TransformContext context) {
        return build(entries, context, Thread.currentThread().getContextClassLoader());
    }

    /** @param loader where custom {@link TransformProvider}s are looked for */
    public static TransformChain build(List<Map<String, Object>> entries, TransformContext context,
                                       ClassLoader loader) {
        if (entries == null || entries.isEmpty()) {
            return TransformChain.identity();
        }
        Map<String, TransformProvider> providers = null;
        List<Transform> transforms = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Map<String, Object> entry = entries.get(i);
            String where = "transforms[" + i + "]";
            if (entry == null || !(entry.get("type") instanceof String type) || type.isBlank()) {
                throw new IllegalArgumentException(where + " has no type; start each entry with type:, one of "
                        + String.join(", ", BUILTINS.keySet()));
            }
            where += " (" + type + ")";
            var builtin = BUILTINS.get(type);
            if (builtin != null) {
                Options o = new Options(where, entry);
                Transform t;
                try {
                    t = builtin.apply(o, context);
                } catch (IllegalArgumentException e) {
                    throw e.getMessage() != null && e.getMessage().startsWith(where) ? e : o.error(e.getMessage());
                }
                o.finish();
                transforms.add(t);
                continue;
            }
            if (providers == null) {
                providers = providers(loader);
            }
            TransformProvider p = providers.get(type);
            if (p == null) {
                TreeSet<String> known = new TreeSet<>(BUILTINS.keySet());
                known.addAll(providers.keySet());
                throw new IllegalArgumentException(where + ": unknown transform type \"" + type + "\"; use one of "
                        + String.join(", ", known) + ", or put the jar of a custom transform (a TransformProvider "
                        + "listed in META-INF/services) on the classpath");
            }
            Map<String, Object> options = new LinkedHashMap<>(entry);
            options.remove("type");
            try {
                transforms.add(p.create(options, context));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
        return new TransformChain(transforms);
    }

    /** The built-in type names, in documentation order. */
    public static List<String> builtinTypes() {
        return List.copyOf(BUILTINS.keySet());
    }

    private static Map<String, TransformProvider> providers(ClassLoader loader) {
        Map<String, TransformProvider> m = new LinkedHashMap<>();
        for (TransformProvider p : ServiceLoader.load(TransformProvider.class, loader)) {
            TransformProvider other = m.putIfAbsent(p.type(), p);
            if (other != null || BUILTINS.containsKey(p.type())) {
                throw new IllegalArgumentException("two transforms are called \"" + p.type() + "\" ("
                        + (other == null ? "built-in" : other.getClass().getName()) + " and "
                        + p.getClass().getName() + "); rename the custom one's type()");
            }
        }
        return m;
    }

    private static Map<String, BiFunction<Options, TransformContext, Transform>> builtins() {
        Map<String, BiFunction<Options, TransformContext, Transform>> m = new LinkedHashMap<>();
        m.put("rename-table", (o, c) -> {
            o.known("table", "to");
            TableId table = o.table("table");
            String to = o.string("to", "sales.orders");
            TableId target;
            try { // a bare name keeps the table's schema
                target = TableId.parse(Identifiers.quote(table.schema()) + "." + to);
            } catch (IllegalArgumentException e) {
                target = TableId.parse(to);
            }
            return new RenameTable(table, target);
        });
        m.put("rename-column", (o, c) -> new RenameColumn(o.known("table", "column", "to").table("table"),
                o.string("column", "qty"), o.string("to", "quantity")));
        m.put("drop-column", (o, c) -> {
            o.known("table", "column", "columns");
            TableId table = o.table("table");
            if (o.has("column") == o.has("columns")) {
                throw o.error("give either column: (one) or columns: (a list), e.g. columns: [a, b]");
            }
            return new DropColumn(table, o.has("column") ? List.of(o.string("column", "legacy"))
                    : o.stringList("columns", "[a, b]"));
        });
        m.put("add-column", (o, c) -> {
            o.known("table", "column", "column_type", "value", "default", "not_null");
            TableId table = o.table("table");
            String type = BuiltinTypes.canonical(o.type("column_type", "text"));
            Column col = Column.of(o.string("column", "origin"), type).withType(type, BuiltinTypes.isBuiltin(type))
                    .withNotNull(o.bool("not_null", false));
            if (o.has("value") == o.has("default")) {
                throw o.error("give either value: (a constant every row gets) or default: (an SQL expression the "
                        + "target fills in)");
            }
            return o.has("value") ? AddColumn.constant(table, col, o.text("value", o.rawValue("value")))
                    : AddColumn.filledByDefault(table, col.withDefault(o.string("default", "now()")));
        });
        m.put("change-type", TransformConfig::changeType);
        m.put("recode", (o, c) -> {
            o.known("table", "column", "map", "default", "keep_unmapped");
            TableId table = o.table("table");
            String column = o.string("column", "status");
            Map<String, String> map = o.stringMap("map", "{A: active, I: inactive}");
            boolean keep = o.bool("keep_unmapped", false);
            if (keep && o.has("default")) {
                throw o.error("give default: or keep_unmapped: true, not both");
            }
            return o.has("default")
                    ? new Recode(table, column, map, Recode.Unmapped.DEFAULT, o.text("default", o.rawValue("default")))
                    : new Recode(table, column, map, keep ? Recode.Unmapped.KEEP : Recode.Unmapped.FAIL, null);
        });
        m.put("compute", (o, c) -> {
            o.known("table", "column", "column_type", "expression", "template");
            TableId table = o.table("table");
            String column = o.string("column", "full_name");
            String type = o.optType("column_type", null);
            if (o.has("expression") == o.has("template")) {
                throw o.error("give either expression: (e.g. lower(email)) or template: (e.g. '{first} {last}')");
            }
            return new Compute(table, column, type, o.has("expression")
                    ? Expression.parse(o.string("expression", "lower(email)"))
                    : Template.parse(o.string("template", "'{first} {last}'")));
        });
        m.put("filter", (o, c) -> new Filter(o.known("table", "where").table("table"),
                Expression.parse(o.string("where", "\"status != 'cancelled'\""))));
        m.put("mask", (o, c) -> {
            o.known("table", "column", "keep_last", "with");
            return new Mask(o.table("table"), o.string("column", "card_number"), o.integer("keep_last", 0),
                    o.optString("with", "*"));
        });
        m.put("hash", (o, c) -> new Hash(o.known("table", "column", "salt").table("table"),
                o.string("column", "email"), o.optString("salt", "")));
        m.put("enrich", (o, c) -> {
            o.known("table", "column", "column_type", "from", "match", "take", "on_missing", "cache");
            TableId table = o.table("table");
            String onMissing = o.optString("on_missing", "null");
            if (!onMissing.equals("null") && !onMissing.equals("fail")) {
                throw o.error("on_missing must be null or fail, not \"" + onMissing + "\"");
            }
            return new Enrich(table, o.string("column", "user_id"), o.optType("column_type", null), o.table("from"),
                    o.stringMap("match", "{id: transaction_id}"), o.string("take", "user_id"),
                    onMissing.equals("fail"), o.integer("cache", 0), c.lookup());
        });
        return m;
    }

    private static Transform changeType(Options o, TransformContext c) {
        o.known("table", "column", "to", "labels", "zone", "default");
        TableId table = o.table("table");
        String column = o.string("column", "id");
        String to = o.type("to", "bigint");
        ChangeType t;
        if (o.has("labels")) {
            t = ChangeType.toEnum(table, column, TableId.parse(to), o.stringList("labels", "[happy, sad]"));
        } else if (o.has("zone")) {
            String canonical = BuiltinTypes.base(BuiltinTypes.canonical(to));
            if (!canonical.equals("timestamp with time zone")) {
                throw o.error("zone: applies to timestamp → timestamptz only; set to: timestamptz or remove zone:");
            }
            String zone = o.string("zone", "Europe/Paris");
            try {
                t = ChangeType.toTimestamptz(table, column, ZoneId.of(zone));
            } catch (DateTimeException e) {
                throw o.error("zone \"" + zone + "\" is not a time zone; use a name such as Europe/Paris or UTC");
            }
        } else {
            String canonical = BuiltinTypes.base(BuiltinTypes.canonical(to));
            if (canonical.equals("timestamp with time zone")) {
                throw o.error("changing to timestamptz needs zone: (the zone the stored wall-clock times are in), "
                        + "e.g. zone: Europe/Paris");
            }
            t = ChangeType.to(table, column, to);
        }
        return o.has("default") ? t.withDefault(o.string("default", "0")) : t;
    }
}
