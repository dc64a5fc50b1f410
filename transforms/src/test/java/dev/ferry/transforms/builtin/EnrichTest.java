package dev.ferry.transforms.builtin;

import static dev.ferry.transforms.Tables.only;
import static dev.ferry.transforms.Tables.row;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.Tables;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The user story: transaction_details.user_id from transactions.user_id via transaction_id. */
class EnrichTest {
    static final TableId DETAILS = TableId.parse("public.transaction_details");
    static final TableId TRANSACTIONS = TableId.parse("public.transactions");
    static final TableSchema S = Tables.schema("public.transaction_details", "id:bigint", "transaction_id:bigint",
            "amount:numeric");

    /** An in-memory source table standing in for core's JDBC lookup; records every call. */
    static final class FakeLookup implements Lookup {
        final Map<String, Map<String, String>> rows = new HashMap<>();
        final List<Map<String, String>> calls = new ArrayList<>();
        final List<List<Map<String, String>>> batches = new ArrayList<>();

        FakeLookup put(String id, String userId) {
            Map<String, String> r = new HashMap<>();
            r.put("id", id);
            r.put("user_id", userId);
            rows.put(id, r);
            return this;
        }

        @Override
        public Optional<Map<String, String>> find(TableId table, Map<String, String> key) {
            assertEquals(TRANSACTIONS, table);
            calls.add(key);
            return Optional.ofNullable(rows.get(key.get("id")));
        }

        @Override
        public Map<Map<String, String>, Map<String, String>> findAll(TableId table, List<Map<String, String>> keys) {
            batches.add(keys);
            Map<Map<String, String>, Map<String, String>> found = new HashMap<>();
            for (Map<String, String> k : keys) {
                if (rows.containsKey(k.get("id"))) {
                    found.put(k, rows.get(k.get("id")));
                }
            }
            return found;
        }
    }

    static Enrich enrich(FakeLookup lookup, boolean fail, int cache) {
        return new Enrich(DETAILS, "user_id", "bigint", TRANSACTIONS, Map.of("id", "transaction_id"), "user_id", fail,
                cache, lookup);
    }

    @Test
    void fillsTheColumnFromTheReferencedRow() {
        FakeLookup lookup = new FakeLookup().put("10", "7");
        Enrich e = enrich(lookup, false, 0);
        assertEquals("bigint", e.mapSchema(S).column("user_id").orElseThrow().type());
        assertEquals(Set.of("transaction_id"), e.reads(DETAILS));
        Row out = only(e.apply(Row.of(S, "1", "10", "9.99")));
        assertEquals("7", out.get("user_id"));
        assertEquals(List.of(Map.of("id", "10")), lookup.calls);
    }

    @Test
    void missingReferencedRowsGiveNullOrFailAsConfigured() {
        FakeLookup lookup = new FakeLookup().put("11", null);
        assertNull(only(enrich(lookup, false, 0).apply(Row.of(S, "1", "99", "1"))).get("user_id"));
        assertNull(only(enrich(lookup, true, 0).apply(Row.of(S, "1", "11", "1"))).get("user_id"),
                "a matched row whose value is NULL is not missing");
        var chain = new TransformChain(List.of(enrich(lookup, true, 0)));
        var e = assertThrows(TransformException.class, () -> chain.apply(Row.of(S, "5", "99", "1")));
        assertEquals("transform enrich public.transaction_details.user_id failed on public.transaction_details "
                + "(id=5): no row of public.transactions has id=99; fix the data, or set on_missing: null", e.getMessage());
    }

    @Test
    void nullAndAbsentMatchColumnsNeedNoLookup() {
        FakeLookup lookup = new FakeLookup();
        Enrich e = enrich(lookup, true, 0);
        assertNull(only(e.apply(Row.of(S, "1", null, "1"))).get("user_id"));
        assertFalse(only(e.apply(row(S, "id", "1"))).has("user_id"));
        assertTrue(lookup.calls.isEmpty());
    }

    @Test
    void theCacheIsBoundedAndLeastRecentlyUsed() {
        FakeLookup lookup = new FakeLookup().put("1", "a").put("2", "b").put("3", "c");
        Enrich e = enrich(lookup, false, 2);
        for (String id : List.of("1", "2", "1", "3", "1", "2")) {
            e.apply(Row.of(S, "0", id, "0"));
        }
        // 1 miss, 2 miss, 1 hit, 3 miss (evicts 2), 1 hit, 2 miss
        assertEquals(List.of("1", "2", "3", "2"), lookup.calls.stream().map(k -> k.get("id")).toList());
    }

    @Test
    void aWrongTakeColumnIsNamed() {
        FakeLookup lookup = new FakeLookup().put("1", "a");
        Enrich e = new Enrich(DETAILS, "user_id", null, TRANSACTIONS, Map.of("id", "transaction_id"), "owner", false,
                0, lookup);
        var ex = assertThrows(IllegalArgumentException.class, () -> e.apply(Row.of(S, "0", "1", "0")));
        assertTrue(ex.getMessage().contains("has no column owner"), ex.getMessage());
    }

    @Test
    void aBatchLooksUpEachDistinctKeyOnceInOneCall() {
        FakeLookup lookup = new FakeLookup().put("1", "a").put("2", "b");
        Enrich e = enrich(lookup, false, 0);
        List<Row> rows = List.of(Row.of(S, "10", "1", "0"), Row.of(S, "11", "2", "0"), Row.of(S, "12", "1", "0"),
                Row.of(S, "13", null, "0"), Row.of(S, "14", "3", "0"), row(S, "id", "15"));
        List<List<Row>> out = e.applyEach(rows);
        assertEquals(List.of(List.of(Map.of("id", "1"), Map.of("id", "2"), Map.of("id", "3"))), lookup.batches);
        assertTrue(lookup.calls.isEmpty());
        assertEquals(java.util.Arrays.asList("a", "b", "a", null, null),
                out.subList(0, 5).stream().map(r -> only(r).get("user_id")).toList());
        assertFalse(only(out.get(5)).has("user_id"));
        // The same rows one by one give the same result.
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(out.get(i), enrich(lookup, false, 0).apply(rows.get(i)));
        }
    }

    @Test
    void aBatchUsesAndFillsTheCache() {
        FakeLookup lookup = new FakeLookup().put("1", "a").put("2", "b");
        Enrich e = enrich(lookup, false, 10);
        e.applyEach(List.of(Row.of(S, "10", "1", "0")));
        e.applyEach(List.of(Row.of(S, "10", "1", "0"), Row.of(S, "11", "2", "0")));
        e.apply(Row.of(S, "12", "2", "0"));
        assertEquals(List.of(List.of(Map.of("id", "1")), List.of(Map.of("id", "2"))), lookup.batches);
        assertTrue(lookup.calls.isEmpty());
    }

    @Test
    void aFailureInABatchNamesItsOwnRow() {
        FakeLookup lookup = new FakeLookup().put("1", "a");
        TransformChain chain = new TransformChain(List.of(enrich(lookup, true, 0)));
        var e = assertThrows(TransformException.class,
                () -> chain.applyAll(List.of(Row.of(S, "10", "1", "0"), Row.of(S, "11", "404", "0"))));
        assertEquals("id=11", e.key());
        assertTrue(e.getMessage().contains("no row of public.transactions has id=404"), e.getMessage());
    }
}
