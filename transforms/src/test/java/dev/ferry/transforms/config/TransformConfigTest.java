package dev.ferry.transforms.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.RowChange;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.Tables;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformContext;
import dev.ferry.transforms.TransformException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** ferry.yml's transforms: list, read as Jackson YAML reads it (as cli's ConfigFile does). */
class TransformConfigTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final TableSchema ORDERS = Tables.schema("public.orders", "id:integer", "qty:integer", "status:text",
            "email:text", "card:text", "created:timestamp without time zone", "payload:text", "mood:text");
    static final TableSchema DETAILS = Tables.schema("public.transaction_details", "id:bigint",
            "transaction_id:bigint");

    static List<Map<String, Object>> yaml(String text) {
        try {
            Map<String, List<Map<String, Object>>> doc = YAML.readValue(text, new TypeReference<>() {});
            return doc.get("transforms");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static TransformChain chain(String text) {
        return TransformConfig.build(yaml(text));
    }

    static String error(String text) {
        return assertThrows(IllegalArgumentException.class, () -> chain(text).mapSchema(ORDERS)).getMessage();
    }

    @Test
    void everyBuiltInIsConfiguredFromYaml() {
        Lookup lookup = (table, key) -> Optional.of(Map.of("id", key.get("id"), "user_id", "u" + key.get("id")));
        TransformChain chain = TransformConfig.build(yaml("""
                transforms:
                  - type: change-type
                    table: orders
                    column: id
                    to: bigint
                  - type: change-type
                    table: public.orders
                    column: created
                    to: timestamptz
                    zone: Europe/Paris
                  - type: change-type
                    table: public.orders
                    column: payload
                    to: jsonb
                  - type: change-type
                    table: public.orders
                    column: mood
                    to: public.mood
                    labels: [happy, sad]
                  - type: recode
                    table: public.orders
                    column: status
                    map: {A: active, C: cancelled}
                    default: unknown
                  - type: filter
                    table: public.orders
                    where: status != 'cancelled' and qty > 0
                  - type: compute
                    table: public.orders
                    column: label
                    template: '{status}:{qty}'
                  - type: compute
                    table: public.orders
                    column: double_qty
                    column_type: int
                    expression: qty * 2
                  - type: mask
                    table: public.orders
                    column: card
                    keep_last: 4
                  - type: hash
                    table: public.orders
                    column: email
                    salt: pepper
                  - type: add-column
                    table: public.orders
                    column: origin
                    column_type: text
                    value: legacy
                  - type: add-column
                    table: public.orders
                    column: migrated_at
                    column_type: timestamptz
                    default: now()
                  - type: drop-column
                    table: public.orders
                    column: qty
                  - type: rename-column
                    table: public.orders
                    column: status
                    to: state
                  - type: rename-table
                    table: public.orders
                    to: orders_v2
                  - type: enrich
                    table: public.transaction_details
                    column: user_id
                    column_type: bigint
                    from: public.transactions
                    match: {id: transaction_id}
                    take: user_id
                    cache: 100
                """), TransformContext.of(lookup));
        assertEquals(16, chain.transforms().size());
        TableSchema target = chain.mapSchema(ORDERS);
        assertEquals(TableId.parse("public.orders_v2"), target.id());
        assertEquals(List.of("id", "state", "email", "card", "created", "payload", "mood", "label", "double_qty",
                "origin", "migrated_at"), target.columns().stream().map(Column::name).toList());
        assertEquals("bigint", target.column("id").orElseThrow().type());
        assertEquals("integer", target.column("double_qty").orElseThrow().type());
        assertEquals("timestamp with time zone", target.column("created").orElseThrow().type());
        assertEquals(1, chain.targetSetup().size());

        Row in = Row.of(ORDERS, "1", "2", "A", "a@b.c", "4111111111111111", "2024-07-01 10:00:00", "{\"x\":1}", "sad");
        Row out = Tables.only(chain.apply(in));
        assertEquals(Map.of("id", "1", "state", "active", "email", Tables.sha256("peppera@b.c"), "card", "************1111",
                "created", "2024-07-01 10:00:00+02", "payload", "{\"x\":1}", "mood", "sad", "label", "active:2",
                "double_qty", "4", "origin", "legacy"), out.asMap());
        assertEquals(List.of(), chain.apply(in.with("qty", "0")));
        assertEquals(List.of(), chain.apply(in.with("status", "C")));

        Row detail = Tables.only(chain.apply(Row.of(DETAILS, "5", "42")));
        assertEquals("u42", detail.get("user_id"));

        List<RowChange> changes = chain.applyChange(Op.DELETE, Row.partial(ORDERS, Map.of("id", "1")), null);
        assertEquals(List.of(new RowChange(Op.DELETE, TableId.parse("public.orders_v2"),
                Row.partial(target, Map.of("id", "1")))), changes);
    }

    @Test
    void renameTableKeepsTheSchemaOfABareName() {
        assertEquals(TableId.parse("public.orders_v2"), chain("""
                transforms:
                  - type: rename-table
                    table: orders
                    to: orders_v2
                """).mapSchema(ORDERS).id());
        assertEquals(new TableId("public", "Orders V2"), chain("""
                transforms:
                  - type: rename-table
                    table: orders
                    to: '"Orders V2"'
                """).mapSchema(ORDERS).id());
        assertEquals(TableId.parse("sales.orders"), chain("""
                transforms:
                  - type: rename-table
                    table: orders
                    to: Sales.Orders
                """).mapSchema(ORDERS).id());
    }

    @Test
    void noTransformsIsTheIdentity() {
        assertTrue(TransformConfig.build(null).transforms().isEmpty());
        assertTrue(TransformConfig.build(List.of()).passesThrough(ORDERS.id()));
    }

    @Test
    void mistakesAreNamedWithTheEntryAndTheFix() {
        assertEquals("transforms[0] (renam-table): unknown transform type \"renam-table\"; use one of add-column, "
                + "change-type, compute, drop-column, enrich, filter, hash, mask, recode, rename-column, rename-table, "
                + "upper-case, or put the jar of a custom transform (a TransformProvider listed in META-INF/services) "
                + "on the classpath", error("""
                transforms:
                  - type: renam-table
                    table: orders
                """));
        assertEquals("transforms[0] (rename-column): option \"to\" is missing; add it, e.g. to: quantity", error("""
                transforms:
                  - type: rename-column
                    table: orders
                    column: qty
                """));
        assertEquals("transforms[1] (rename-column): unknown option \"colum\"; the options of this type are table, "
                + "column, to", error("""
                transforms:
                  - type: hash
                    table: orders
                    column: email
                  - type: rename-column
                    table: orders
                    colum: qty
                    column: qty
                    to: quantity
                """));
        assertTrue(error("""
                transforms:
                  - table: orders
                """).startsWith("transforms[0] has no type; start each entry with type:"));
        assertTrue(error("""
                transforms:
                  - type: change-type
                    table: orders
                    column: created
                    to: timestamptz
                """).contains("needs zone:"));
        assertTrue(error("""
                transforms:
                  - type: change-type
                    table: orders
                    column: created
                    to: timestamptz
                    zone: Mars/Olympus
                """).contains("zone \"Mars/Olympus\" is not a time zone"));
        assertTrue(error("""
                transforms:
                  - type: filter
                    table: orders
                    where: qty >
                """).startsWith("transforms[0] (filter): cannot read expression qty >"));
        assertTrue(error("""
                transforms:
                  - type: mask
                    table: orders
                    column: card
                    keep_last: four
                """).contains("keep_last\" must be a whole number"));
        assertTrue(error("""
                transforms:
                  - type: add-column
                    table: orders
                    column: x
                    column_type: text
                """).contains("give either value:"));
        assertTrue(error("""
                transforms:
                  - type: enrich
                    table: orders
                    column: x
                    from: other
                    match: {id: id}
                    take: y
                    on_missing: skip
                """).contains("on_missing must be null or fail"));
        assertTrue(error("""
                transforms:
                  - type: rename-table
                    table: a.b.c
                    to: x
                """).contains("not a table name"));
    }

    @Test
    void aMissingColumnIsReportedWhenTheSchemaIsMapped() {
        assertEquals("rename-column public.orders.qtty: table public.orders has no column \"qtty\"; check the name in "
                + "ferry.yml (columns: id, qty, status, email, card, created, payload, mood)", error("""
                transforms:
                  - type: rename-column
                    table: orders
                    column: qtty
                    to: quantity
                """));
    }

    @Test
    void yamlNullsAndNumbersAreReadAsText() {
        TransformChain chain = chain("""
                transforms:
                  - type: recode
                    table: orders
                    column: qty
                    map: {1: 10, 2: ~}
                    default: ~
                """);
        assertEquals("10", Tables.only(chain.apply(Row.of(ORDERS, "1", "1", "A", "e", "c", "2024-01-01 00:00:00",
                "{}", "sad"))).get("qty"));
        assertEquals(null, Tables.only(chain.apply(Row.of(ORDERS, "1", "2", "A", "e", "c", "2024-01-01 00:00:00",
                "{}", "sad"))).get("qty"));
        assertEquals(null, Tables.only(chain.apply(Row.of(ORDERS, "1", "7", "A", "e", "c", "2024-01-01 00:00:00",
                "{}", "sad"))).get("qty"));
    }

    @Test
    void valuesYamlWouldChangeMustBeQuoted() {
        assertTrue(error("""
                transforms:
                  - type: recode
                    table: orders
                    column: status
                    map: {Y: yes, N: no}
                """).contains("write it in quotes, e.g. 'yes'"));
        assertTrue(error("""
                transforms:
                  - type: add-column
                    table: orders
                    column: price
                    column_type: numeric
                    value: 1.50
                """).contains("1.50 becomes 1.5"));
        TransformChain quoted = chain("""
                transforms:
                  - type: recode
                    table: orders
                    column: status
                    map: {Y: 'yes', N: 'no'}
                """);
        assertEquals("yes", Tables.only(quoted.apply(Row.of(ORDERS, "1", "1", "Y", "e", "c", "2024-01-01 00:00:00",
                "{}", "sad"))).get("status"));
    }

    @Test
    void enrichWithoutALookupSaysWhatIsMissing() {
        TransformChain chain = chain("""
                transforms:
                  - type: enrich
                    table: public.transaction_details
                    column: user_id
                    from: public.transactions
                    match: {id: transaction_id}
                    take: user_id
                """);
        var e = assertThrows(TransformException.class, () -> chain.apply(Row.of(DETAILS, "5", "42")));
        assertTrue(e.getMessage().contains("no lookup is available to read public.transactions"), e.getMessage());
    }

    @Test
    void customTransformsAreFoundWithServiceLoader() {
        TransformChain chain = chain("""
                transforms:
                  - type: upper-case
                    table: orders
                    column: status
                  - type: rename-column
                    table: orders
                    column: status
                    to: state
                """);
        Row out = Tables.only(chain.apply(Row.of(ORDERS, "1", "1", "active", "e", "c", "2024-01-01 00:00:00", "{}",
                "sad")));
        assertEquals("ACTIVE", out.get("state"));
        assertTrue(chain.reads(ORDERS).contains("status"));
        var e = assertThrows(IllegalArgumentException.class, () -> chain("""
                transforms:
                  - type: upper-case
                    table: orders
                """));
        assertEquals("transforms[0] (upper-case): upper-case needs table: and column:, e.g. column: country",
                e.getMessage());
    }
}
