package dev.ferry.transforms.builtin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Gives a column another type on the target, checking every value on the way so a value that would not convert
 * stops the run with the table, key and value named (rather than failing later inside a target batch).
 *
 * <ul>
 *   <li>to an integer type ({@code int → bigint}): values must be integers in range. A column that owns a
 *       sequence (serial or identity) gets a sequence of the new type: {@link Column#sequenceType()} of the
 *       mapped column says {@code bigint}, and the DDL writer creates the sequence {@code AS bigint}.</li>
 *   <li>to {@code numeric}/{@code real}/{@code double precision}: values must be numbers.</li>
 *   <li>to {@code json}/{@code jsonb}: values must be one valid JSON document ({@code jsonb} also refuses
 *       {@code \u0000}); the text is passed on unchanged.</li>
 *   <li>to an enum ({@code labels:}): values must be one of the labels; the enum type is created on the
 *       target ({@link #targetSetup()}).</li>
 *   <li>{@code timestamp → timestamptz} with {@code zone:}: each wall-clock value is read in that zone and
 *       written with its UTC offset (see {@link LocalTimestamps}).</li>
 *   <li>to any other type: values pass unchanged and the target's cast checks them.</li>
 * </ul>
 * The column's DEFAULT is kept for numeric targets (e.g. {@code nextval(...)}), dropped otherwise unless
 * {@code default:} gives a new one.
 *
 * <pre>
 * transforms:
 *   - type: change-type
 *     table: public.orders
 *     column: id
 *     to: bigint
 *   - type: change-type
 *     table: public.events
 *     column: payload
 *     to: jsonb
 *   - type: change-type
 *     table: public.users
 *     column: mood
 *     to: public.mood
 *     labels: [happy, sad, ok]
 *   - type: change-type
 *     table: public.events
 *     column: created_at
 *     to: timestamptz
 *     zone: Europe/Paris
 * </pre>
 */
public final class ChangeType extends ValueTransform {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final String type;
    private final String requiredSource;
    private final UnaryOperator<String> converter;
    private final List<String> setup;
    private final String newDefault;

    private ChangeType(TableId table, String column, String type, String requiredSource,
                       UnaryOperator<String> converter, List<String> setup, String newDefault) {
        super("change-type", table, column);
        this.type = type;
        this.requiredSource = requiredSource;
        this.converter = converter;
        this.setup = setup;
        this.newDefault = newDefault;
    }

    /** To a built-in or existing type, checking values of the integer, numeric and JSON families. */
    public static ChangeType to(TableId table, String column, String type) {
        String t = BuiltinTypes.canonical(type);
        UnaryOperator<String> check;
        if (BuiltinTypes.isInteger(t)) {
            check = v -> checkInteger(v, t);
        } else if (BuiltinTypes.isNumeric(t)) {
            check = ChangeType::checkNumber;
        } else if (t.equals("json") || t.equals("jsonb")) {
            check = v -> checkJson(v, t.equals("jsonb"));
        } else {
            check = v -> v;
        }
        return new ChangeType(table, column, t, null, check, List.of(), null);
    }

    /** To an enum with these labels, created on the target if missing; values must be labels. */
    public static ChangeType toEnum(TableId table, String column, TableId enumType, List<String> labels) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("an enum needs at least one label");
        }
        Set<String> allowed = new LinkedHashSet<>(labels);
        String typeName = enumType.quoted();
        UnaryOperator<String> check = v -> {
            if (!allowed.contains(v)) {
                throw new IllegalArgumentException("is not a label of " + enumType + " (labels: "
                        + String.join(", ", allowed) + "); add it to labels: or recode it first");
            }
            return v;
        };
        String create = "CREATE TYPE " + typeName + " AS ENUM ("
                + labels.stream().map(Identifiers::literal).collect(Collectors.joining(", ")) + ")";
        // Idempotent so a resumed run can execute it again.
        if (labels.stream().anyMatch(l -> l.contains("$ferry$"))) {
            throw new IllegalArgumentException("an enum label cannot contain $ferry$");
        }
        String setup = "DO $ferry$ BEGIN " + create + "; EXCEPTION WHEN duplicate_object THEN NULL; END $ferry$";
        return new ChangeType(table, column, typeName, null, check, List.of(setup), null);
    }

    /** {@code timestamp [without time zone]} to {@code timestamptz}, reading wall-clock values in {@code zone}. */
    public static ChangeType toTimestamptz(TableId table, String column, ZoneId zone) {
        return new ChangeType(table, column, "timestamp with time zone", "timestamp without time zone",
                v -> LocalTimestamps.toTimestamptz(v, zone), List.of(), null);
    }

    /** The same change, giving the column a new DEFAULT expression on the target. */
    public ChangeType withDefault(String defaultExpr) {
        return new ChangeType(table, column, type, requiredSource, converter, setup, defaultExpr);
    }

    public String type() {
        return type;
    }

    @Override
    protected Column mapColumn(Column c) {
        String newType = type;
        if (requiredSource != null) {
            if (!BuiltinTypes.base(c.type()).equals(requiredSource)) {
                throw new IllegalArgumentException(name() + ": column " + c.name() + " of " + table + " is "
                        + c.type() + ", not " + requiredSource + "; zone: applies to timestamp columns only");
            }
            newType = c.type().replace("without time zone", "with time zone"); // keeps the precision
        }
        String def = newDefault != null ? newDefault : BuiltinTypes.isNumeric(newType) ? c.defaultExpr() : null;
        String collation = BuiltinTypes.isText(newType) ? c.collation() : null;
        return new Column(c.name(), newType, BuiltinTypes.isBuiltin(newType), c.notNull(), def, c.generatedExpr(),
                c.identity(), collation);
    }

    /** Widening one integer type to a wider (or the same) one changes no value and cannot fail. */
    @Override
    public boolean preservesText(TableSchema input) {
        List<String> order = List.of("smallint", "integer", "bigint");
        String from = input.column(column).map(Column::type).orElse("");
        return order.contains(from) && order.contains(type) && order.indexOf(from) <= order.indexOf(type);
    }

    @Override
    protected String convert(String value) {
        return converter.apply(value);
    }

    @Override
    public List<String> targetSetup() {
        return setup;
    }

    private static String checkInteger(String v, String type) {
        long min = type.equals("smallint") ? Short.MIN_VALUE : type.equals("integer") ? Integer.MIN_VALUE : Long.MIN_VALUE;
        long max = type.equals("smallint") ? Short.MAX_VALUE : type.equals("integer") ? Integer.MAX_VALUE : Long.MAX_VALUE;
        long n;
        try {
            n = Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("is not a whole number that fits " + type);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("is out of range for " + type);
        }
        return v;
    }

    private static String checkNumber(String v) {
        switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "nan", "infinity", "-infinity" -> {
                return v;
            }
            default -> {
                try {
                    new BigDecimal(v.strip());
                    return v;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("is not a number");
                }
            }
        }
    }

    private static String checkJson(String v, boolean jsonb) {
        JsonNode node;
        try {
            node = JSON.readTree(v);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || node.isMissingNode()) {
            throw new IllegalArgumentException("is not valid JSON (empty)");
        }
        if (jsonb && hasNul(node)) {
            throw new IllegalArgumentException("contains \\u0000, which jsonb cannot store; keep the column json");
        }
        return v;
    }

    private static boolean hasNul(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue().indexOf('\0') >= 0;
        }
        for (Map.Entry<String, JsonNode> f : node.properties()) {
            if (f.getKey().indexOf('\0') >= 0 || hasNul(f.getValue())) {
                return true;
            }
        }
        if (node.isArray()) {
            for (JsonNode e : node) {
                if (hasNul(e)) {
                    return true;
                }
            }
        }
        return false;
    }
}
