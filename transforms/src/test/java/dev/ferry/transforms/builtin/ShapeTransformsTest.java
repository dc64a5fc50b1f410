package dev.ferry.transforms.builtin;

import static dev.ferry.transforms.Tables.only;
import static dev.ferry.transforms.Tables.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.Tables;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** rename-table, rename-column, drop-column, add-column: the transforms that change a table's shape. */
class ShapeTransformsTest {
    static final TableId ORDERS = TableId.parse("public.orders");
    static final TableSchema S = Tables.schema("public.orders", "id:integer", "qty:integer", "note:text");
    static final Row FULL = Row.of(S, "1", "5", "hi");

    @Test
    void renameTableMovesSchemaAndRows() {
        RenameTable t = new RenameTable(ORDERS, TableId.parse("sales.orders_v2"));
        assertTrue(t.touches(ORDERS));
        assertFalse(t.touches(TableId.parse("public.other")));
        assertEquals(TableId.parse("sales.orders_v2"), t.mapSchema(S).id());
        Row out = only(t.apply(FULL));
        assertEquals(TableId.parse("sales.orders_v2"), out.table());
        assertEquals(Map.of("id", "1", "qty", "5", "note", "hi"), out.asMap());
    }

    @Test
    void renameColumnKeepsPlaceTypeAndKey() {
        TableSchema s = new TableSchema(ORDERS, S.columns(), List.of("id"));
        RenameColumn t = new RenameColumn(ORDERS, "id", "order_id");
        TableSchema m = t.mapSchema(s);
        assertEquals(List.of("order_id", "qty", "note"), m.columns().stream().map(Column::name).toList());
        assertEquals(List.of("order_id"), m.key());
        assertEquals("id", t.inputColumn(s, "order_id"));
        assertEquals("qty", t.inputColumn(s, "qty"));
        Row out = only(t.apply(FULL));
        assertEquals("1", out.get("order_id"));
        // A partial row keeps its absent columns absent.
        Row partial = only(t.apply(row(S, "id", "1", "note", "x")));
        assertEquals(Map.of("order_id", "1", "note", "x"), partial.asMap());
        assertFalse(partial.has("qty"));
    }

    @Test
    void renameColumnRefusesMissingAndTakenNames() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new RenameColumn(ORDERS, "nope", "x").mapSchema(S));
        assertTrue(e.getMessage().contains("has no column \"nope\"") && e.getMessage().contains("id, qty, note"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RenameColumn(ORDERS, "qty", "note").mapSchema(S));
        assertTrue(e.getMessage().contains("already has a column \"note\""), e.getMessage());
    }

    @Test
    void dropColumnRemovesValuesButNeverTheKey() {
        DropColumn t = new DropColumn(ORDERS, List.of("note", "qty"));
        assertEquals(List.of("id"), t.mapSchema(S).columns().stream().map(Column::name).toList());
        assertEquals(Map.of("id", "1"), only(t.apply(FULL)).asMap());
        var e = assertThrows(IllegalArgumentException.class, () -> new DropColumn(ORDERS, List.of("id")).mapSchema(S));
        assertTrue(e.getMessage().contains("primary key"), e.getMessage());
    }

    @Test
    void addColumnWithAConstantFillsEveryRowIncludingPartialOnes() {
        AddColumn t = AddColumn.constant(ORDERS, Column.of("origin", "text"), "legacy");
        TableSchema m = t.mapSchema(S);
        assertEquals("origin", m.columns().get(3).name());
        assertEquals("legacy", only(t.apply(FULL)).get("origin"));
        Row partial = only(t.apply(row(S, "id", "1")));
        assertEquals(Map.of("id", "1", "origin", "legacy"), partial.asMap());
        assertEquals(null, only(AddColumn.constant(ORDERS, Column.of("x", "text"), null).apply(FULL)).get("x"));
    }

    @Test
    void addColumnWithADefaultLeavesItAbsentForTheTargetToFill() {
        AddColumn t = AddColumn.filledByDefault(ORDERS, Column.of("at", "timestamp with time zone").withDefault("now()")
                .withNotNull(true));
        Column added = t.mapSchema(S).column("at").orElseThrow();
        assertEquals("now()", added.defaultExpr());
        assertTrue(added.notNull());
        Row out = only(t.apply(FULL));
        assertFalse(out.has("at"));
        assertEquals(List.of("at"), out.absentColumns());
        assertThrows(IllegalArgumentException.class,
                () -> AddColumn.constant(ORDERS, Column.of("qty", "text"), "1").mapSchema(S));
    }
}
