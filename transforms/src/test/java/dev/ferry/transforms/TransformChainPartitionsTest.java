package dev.ferry.transforms;

import static dev.ferry.transforms.Tables.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.builtin.ChangeType;
import dev.ferry.transforms.builtin.Expression;
import dev.ferry.transforms.builtin.Filter;
import dev.ferry.transforms.builtin.RenameColumn;
import dev.ferry.transforms.builtin.RenameTable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A partition takes its root's transforms when none names it; it keeps its own name. */
class TransformChainPartitionsTest {
    static final TableId ORDERS = TableId.parse("public.orders");
    static final TableId SALES = TableId.parse("sales.orders");
    static final TableId LEAF = TableId.parse("public.orders_2026");
    static final TableId OWN = TableId.parse("public.orders_own");
    static final TransformChain CONFIGURED = new TransformChain(List.of(
            new RenameTable(ORDERS, SALES),
            new RenameColumn(SALES, "qty", "quantity"),
            ChangeType.to(SALES, "id", "bigint"),
            new Filter(SALES, Expression.parse("quantity > 0")),
            ChangeType.to(OWN, "qty", "bigint")));
    static final TransformChain CHAIN = CONFIGURED.withPartitions(Map.of(LEAF, ORDERS, OWN, ORDERS));

    @Test
    void aPartitionTakesItsRootsTransformsAlsoThoseNamingTheRootByItsNewName() {
        TableSchema leaf = Tables.schema("public.orders_2026", "id:integer", "qty:integer");
        assertTrue(CONFIGURED.passesThrough(LEAF), "as configured, nothing reaches the partition");
        assertFalse(CHAIN.passesThrough(LEAF));
        TableSchema mapped = CHAIN.mapSchema(leaf);
        assertEquals(LEAF, mapped.id(), "the partition keeps its name");
        assertEquals("id:bigint quantity:integer", String.join(" ", mapped.columns().stream()
                .map(c -> c.name() + ':' + c.type()).toList()));
        Row out = only(CHAIN.apply(Row.of(leaf, "7", "3")));
        assertEquals(LEAF, out.table());
        assertEquals("3", out.get("quantity"));
        assertTrue(CHAIN.apply(Row.of(leaf, "8", "0")).isEmpty(), "the root's filter applies");
        assertTrue(CHAIN.filters(leaf));
        assertEquals(Set.of("id", "qty"), CHAIN.reads(leaf), "what the root's transforms read");
        assertEquals(LEAF, CHAIN.transforms().stream().reduce(LEAF, (id, t) -> t.renames(id), (a, b) -> b));
        assertEquals(SALES, CHAIN.mapSchema(Tables.schema("public.orders", "id:integer", "qty:integer")).id());
    }

    @Test
    void aPartitionWithTransformsOfItsOwnTakesOnlyThose() {
        TableSchema own = Tables.schema("public.orders_own", "id:integer", "qty:integer");
        TableSchema mapped = CHAIN.mapSchema(own);
        assertEquals("id:integer qty:bigint", String.join(" ", mapped.columns().stream()
                .map(c -> c.name() + ':' + c.type()).toList()));
        assertEquals(CHAIN.transforms().size(), CHAIN.withPartitions(Map.of(LEAF, ORDERS)).transforms().size());
        assertTrue(CHAIN.withPartitions(Map.of(LEAF, ORDERS)).transforms().stream()
                .noneMatch(t -> t instanceof PartitionTransform p && p.inner() instanceof PartitionTransform),
                "mapping again starts from the transforms as configured");
    }
}
