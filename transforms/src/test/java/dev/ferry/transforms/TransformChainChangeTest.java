package dev.ferry.transforms;

import static dev.ferry.transforms.Tables.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.builtin.ChangeType;
import dev.ferry.transforms.builtin.Compute;
import dev.ferry.transforms.builtin.Expression;
import dev.ferry.transforms.builtin.Filter;
import dev.ferry.transforms.builtin.Recode;
import dev.ferry.transforms.builtin.RenameColumn;
import dev.ferry.transforms.builtin.RenameTable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Change-level semantics: partial rows, key-only deletes, updates crossing a filter, key changes, truncates. */
class TransformChainChangeTest {
    static final TableId ORDERS = TableId.parse("public.orders");
    static final TableId SALES = TableId.parse("sales.orders");
    static final TableSchema S = Tables.schema("public.orders", "id:integer", "status:text", "qty:integer",
            "note:text");

    /** rename table + rename/retype the key + recode + filter on the recoded value + a computed column. */
    static final TransformChain CHAIN = new TransformChain(List.of(
            new RenameTable(ORDERS, SALES),
            new RenameColumn(SALES, "id", "order_id"),
            ChangeType.to(SALES, "order_id", "bigint"),
            new RenameColumn(SALES, "qty", "quantity"),
            new Recode(SALES, "status", Map.of("A", "active", "C", "cancelled"), Recode.Unmapped.FAIL, null),
            new Filter(SALES, Expression.parse("status != 'cancelled'")),
            new Compute(SALES, "double_qty", "integer", Expression.parse("quantity * 2"))));

    static Row full(String id, String status, String qty) {
        return Row.of(S, id, status, qty, "a long TOASTed note");
    }

    static Row target(RowChange c) {
        return c.row();
    }

    @Test
    void readsAreTracedBackToSourceColumnsThroughRenames() {
        assertEquals(Set.of("id", "status", "qty"), CHAIN.reads(S));
        assertEquals(Set.of("qty"), CHAIN.missingReads(row(S, "id", "1", "status", "A", "note", "x")));
        assertEquals(Set.of(), CHAIN.missingReads(row(S, "id", "1", "status", "A", "qty", "2")));
        assertTrue(CHAIN.filters(S));
        SchemaCheck.targetShape(CHAIN.mapSchema(S));
    }

    static final class SchemaCheck {
        static void targetShape(TableSchema t) {
            assertEquals(SALES, t.id());
            assertEquals(List.of("order_id", "status", "quantity", "note", "double_qty"),
                    t.columns().stream().map(Column::name).toList());
            assertEquals(List.of("order_id"), t.key());
            assertEquals("bigint", t.column("order_id").orElseThrow().type());
        }
    }

    @Test
    void insertsAreTransformedAndFilteredInsertsVanish() {
        List<RowChange> out = CHAIN.applyChange(Op.INSERT, null, full("1", "A", "3"));
        assertEquals(1, out.size());
        assertEquals(Op.INSERT, out.get(0).op());
        assertEquals(SALES, out.get(0).table());
        assertEquals(Map.of("order_id", "1", "status", "active", "quantity", "3", "note", "a long TOASTed note",
                "double_qty", "6"), out.get(0).row().asMap());
        assertEquals(List.of(), CHAIN.applyChange(Op.INSERT, null, full("2", "C", "3")));
    }

    @Test
    void deletesCarryOnlyTheMappedKeyAndPassTheFilter() {
        List<RowChange> out = CHAIN.applyChange(Op.DELETE, row(S, "id", "7"), null);
        assertEquals(List.of(new RowChange(Op.DELETE, SALES,
                Row.partial(CHAIN.mapSchema(S), Map.of("order_id", "7")))), out);
        // With REPLICA IDENTITY FULL the whole old row arrives; the delete is still key-only.
        out = CHAIN.applyChange(Op.DELETE, full("7", "A", "1"), null);
        assertEquals(Map.of("order_id", "7"), out.get(0).row().asMap());
    }

    @Test
    void truncatesFollowTheTableRename() {
        assertEquals(List.of(RowChange.truncate(SALES)), CHAIN.applyChange(Op.TRUNCATE, row(S), null));
        assertEquals(List.of(RowChange.truncate(SALES)), CHAIN.truncate(S));
    }

    @Test
    void anUpdateInsideTheFilterStaysAnUpdateAndKeepsAbsentColumnsAbsent() {
        Row before = full("1", "A", "3");
        Row after = row(S, "id", "1", "status", "A", "qty", "4"); // note: unchanged TOAST, absent
        List<RowChange> out = CHAIN.applyChange(Op.UPDATE, before, after);
        assertEquals(1, out.size());
        assertEquals(Op.UPDATE, out.get(0).op());
        assertEquals(Map.of("order_id", "1", "status", "active", "quantity", "4", "double_qty", "8"),
                out.get(0).row().asMap());
    }

    @Test
    void anUpdateLeavingTheFilterBecomesADelete() {
        List<RowChange> out = CHAIN.applyChange(Op.UPDATE, full("1", "A", "3"), row(S, "id", "1", "status", "C",
                "qty", "3"));
        assertEquals(1, out.size());
        assertEquals(Op.DELETE, out.get(0).op());
        assertEquals(Map.of("order_id", "1"), out.get(0).row().asMap());
    }

    @Test
    void anUpdateEnteringTheFilterBecomesAnInsertOfTheCompleteRow() {
        Row after = row(S, "id", "1", "status", "A", "qty", "3");
        var e = assertThrows(IncompleteRowException.class, () -> CHAIN.applyChange(Op.UPDATE, full("1", "C", "3"),
                after));
        assertEquals(ORDERS, e.table());
        assertEquals(Set.of("note"), e.missing());
        // The applier reads the missing columns from the source and calls again.
        Row completed = after.withAll(Map.of("note", "from the source"));
        List<RowChange> out = CHAIN.applyChange(Op.UPDATE, full("1", "C", "3"), completed);
        assertEquals(1, out.size());
        assertEquals(Op.INSERT, out.get(0).op());
        assertEquals("from the source", out.get(0).row().get("note"));
    }

    @Test
    void anUpdateLackingAReadColumnAsksForItBySourceName() {
        var e = assertThrows(IncompleteRowException.class,
                () -> CHAIN.applyChange(Op.UPDATE, null, row(S, "id", "1", "status", "A")));
        assertEquals(Set.of("qty"), e.missing());
        assertTrue(e.getMessage().startsWith("a change of public.orders lacks columns [qty]"), e.getMessage());
    }

    @Test
    void withoutTheOldRowAFilteredUpdateIsAnUpsertOrADelete() {
        // Default replica identity: no before image. The outcome cannot be told, so after must be complete.
        var e = assertThrows(IncompleteRowException.class,
                () -> CHAIN.applyChange(Op.UPDATE, null, row(S, "id", "1", "status", "A", "qty", "3")));
        assertEquals(Set.of("note"), e.missing());
        List<RowChange> in = CHAIN.applyChange(Op.UPDATE, null, full("1", "A", "3"));
        assertEquals(List.of(Op.INSERT), in.stream().map(RowChange::op).toList());
        List<RowChange> out = CHAIN.applyChange(Op.UPDATE, null, full("1", "C", "3"));
        assertEquals(List.of(Op.DELETE), out.stream().map(RowChange::op).toList());
        assertEquals(Map.of("order_id", "1"), out.get(0).row().asMap());
        // A key-only before image (the key did not change) is as good as none.
        assertEquals(in, CHAIN.applyChange(Op.UPDATE, row(S, "id", "1"), full("1", "A", "3")));
    }

    @Test
    void withoutAFilterAPartialUpdateNeedsNoOldRow() {
        TransformChain noFilter = new TransformChain(List.of(new RenameTable(ORDERS, SALES)));
        List<RowChange> out = noFilter.applyChange(Op.UPDATE, null, row(S, "id", "1", "qty", "9"));
        assertEquals(List.of(RowChange.update(Row.partial(noFilter.mapSchema(S), Map.of("id", "1", "qty", "9")))),
                out);
    }

    @Test
    void aKeyChangeIsADeleteOfTheOldKeyAndAnInsertOfTheNewRow() {
        List<RowChange> out = CHAIN.applyChange(Op.UPDATE, full("1", "A", "3"), full("2", "A", "3"));
        assertEquals(List.of(Op.DELETE, Op.INSERT), out.stream().map(RowChange::op).toList());
        assertEquals(Map.of("order_id", "1"), out.get(0).row().asMap());
        assertEquals("2", out.get(1).row().get("order_id"));
        // Key-only old image (default replica identity sends the old key when it changes), no filter:
        TransformChain noFilter = new TransformChain(List.of(new RenameTable(ORDERS, SALES)));
        out = noFilter.applyChange(Op.UPDATE, row(S, "id", "1"), full("2", "A", "3"));
        assertEquals(List.of(Op.DELETE, Op.INSERT), out.stream().map(RowChange::op).toList());
        assertEquals(Map.of("id", "1"), out.get(0).row().asMap());
        var e = assertThrows(IncompleteRowException.class,
                () -> noFilter.applyChange(Op.UPDATE, row(S, "id", "1"), row(S, "id", "2", "qty", "1")));
        assertEquals(Set.of("status", "note"), e.missing());
    }

    @Test
    void transformFailuresInChangesNameTransformTableAndKey() {
        var e = assertThrows(TransformException.class,
                () -> CHAIN.applyChange(Op.INSERT, null, full("5", "Z", "1")));
        assertEquals("transform recode sales.orders.status failed on sales.orders (order_id=5): value 'Z' of column "
                + "status: has no mapping; add it to map:, or set default: or keep_unmapped: true", e.getMessage());
        assertEquals("recode sales.orders.status", e.transform());
        assertEquals(SALES, e.table());
        assertEquals("order_id=5", e.key());
    }

    @Test
    void aThrowingCustomTransformIsWrapped() {
        Transform boom = new Transform() {
            @Override
            public String name() {
                return "boom";
            }

            @Override
            public boolean touches(TableId table) {
                return true;
            }

            @Override
            public List<Row> apply(Row row) {
                throw new IllegalStateException("kaput");
            }
        };
        var e = assertThrows(TransformException.class,
                () -> new TransformChain(List.of(boom)).apply(full("3", "A", "1")));
        assertEquals("transform boom failed on public.orders (id=3): kaput", e.getMessage());
        assertTrue(e.getCause() instanceof IllegalStateException);
    }

    @Test
    void renamesAndIntegerWideningLetTheSnapshotCopyTextUnparsed() {
        TransformChain widen = new TransformChain(List.of(new RenameTable(ORDERS, SALES),
                new RenameColumn(SALES, "qty", "quantity"), ChangeType.to(SALES, "id", "bigint"),
                ChangeType.to(SALES, "quantity", "bigint")));
        assertTrue(widen.copiesTextUnchanged(S));
        assertTrue(TransformChain.identity().copiesTextUnchanged(S));
        assertTrue(!new TransformChain(List.of(ChangeType.to(ORDERS, "note", "jsonb"))).copiesTextUnchanged(S));
        assertTrue(!new TransformChain(List.of(ChangeType.to(ORDERS, "id", "smallint"))).copiesTextUnchanged(S));
        assertTrue(!CHAIN.copiesTextUnchanged(S));
    }

    @Test
    void aBatchGivesWhatRowByRowGives() {
        TableSchema other = Tables.schema("public.other", "id:integer");
        java.util.Random random = new java.util.Random(7);
        List<Row> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            batch.add(random.nextInt(5) == 0 ? Row.of(other, String.valueOf(i))
                    : full(String.valueOf(i), random.nextBoolean() ? "A" : "C", String.valueOf(random.nextInt(9))));
        }
        List<Row> oneByOne = new java.util.ArrayList<>();
        batch.forEach(r -> oneByOne.addAll(CHAIN.apply(r)));
        assertEquals(oneByOne, CHAIN.applyAll(batch));
        assertTrue(oneByOne.size() < 200 && oneByOne.size() > 50);
        var e = assertThrows(TransformException.class, () -> CHAIN.applyAll(List.of(full("1", "A", "1"),
                full("2", "Z", "1"))));
        assertEquals("order_id=2", e.key());
    }

    @Test
    void transformsNamingNoTableAreReported() {
        Filter stale = new Filter(ORDERS, Expression.parse("qty > 0")); // after the rename: should say sales.orders
        TransformChain chain = new TransformChain(List.of(new RenameTable(ORDERS, SALES), stale));
        assertEquals(List.of(stale), chain.unused(List.of(S)));
        assertEquals(List.of(), CHAIN.unused(List.of(S)));
    }

    @Test
    void targetSetupCollectsEnumTypesOnce() {
        var t = ChangeType.toEnum(ORDERS, "status", TableId.parse("public.st"), List.of("A", "C"));
        assertEquals(1, new TransformChain(List.of(t, t)).targetSetup().size());
        assertEquals(List.of(), CHAIN.targetSetup());
    }
}
