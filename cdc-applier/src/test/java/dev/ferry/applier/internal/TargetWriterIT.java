package dev.ferry.applier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Lsn;
import dev.ferry.core.state.StateStore;
import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.RowChange;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fixed-shape statements on a real target: values that array syntax treats specially (quotes, backslashes,
 * braces, commas, the word NULL, empty text, real nulls, arrays, json, bytea) arrive unchanged; batches larger than
 * one statement, partial updates that lack unchanged TOAST columns, rows of different column sets, deletes and
 * re-inserts of one key land as the source had them, both for a table whose changes are coalesced per key and for
 * one with another unique index, written in order.
 */
class TargetWriterIT {
    static final List<String> TRICKY = java.util.Arrays.asList("plain", "with \"quotes\"", "back\\slash", "{braces}",
            "a,b", "NULL", "", null, " spaced ", "ünï", "tab\tnew\nline");

    @Test
    void theStatementsWriteEveryValueAsTheSourceHadIt() throws Exception {
        try (PgServer s = Servers.target()) {
            for (String table : List.of("coalesced", "ordered")) {
                s.execute("CREATE TABLE public." + table + " (id bigint, region varchar(8), note text, tags text[], "
                        + "doc jsonb, b bytea, PRIMARY KEY (id, region))");
            }
            s.execute("CREATE UNIQUE INDEX ON public.ordered (note)");
            ConnectionSpec target = ConnectionSpec.of(s.host(), s.port(), "postgres", "postgres", "");
            StateStore.open(target, "ferry").close();
            for (String table : List.of("coalesced", "ordered")) {
                TableSchema t = new TableSchema(new TableId("public", table), List.of(Column.of("id", "bigint"),
                        Column.of("region", "character varying(8)"), Column.of("note", "text"),
                        Column.of("tags", "text[]"), Column.of("doc", "jsonb"), Column.of("b", "bytea")),
                        List.of("id", "region"));
                boolean unique = table.equals("ordered");
                Map<String, List<String>> expected = new HashMap<>();
                try (TargetWriter w = new TargetWriter(target, "ferry")) {
                    int n = 2 * TargetWriter.MAX_BATCH + 7;
                    for (int i = 0; i < n; i++) {
                        String note = unique ? "n" + i + TRICKY.get(i % TRICKY.size()) : TRICKY.get(i % TRICKY.size());
                        String tags = i % 3 == 0 ? null : "{x,\"y z\",NULL,\"q\\\"\"}";
                        String doc = i % 4 == 0 ? null : "{\"k\": \"v" + i + "\\\\\"}";
                        String b = i % 5 == 0 ? null : "\\x00ff" + String.format("%04x", i);
                        Row r = Row.of(t, String.valueOf(i), i % 2 == 0 ? "eu" : "us", note, tags, doc, b);
                        w.write(RowChange.insert(r));
                        expected.put(i + "/" + (i % 2 == 0 ? "eu" : "us"), java.util.Arrays.asList(note, tags, doc, b));
                    }
                    // Partial updates (the note unchanged and not sent), then complete ones, a delete and a re-insert.
                    for (int i = 0; i < n; i += 10) {
                        String region = i % 2 == 0 ? "eu" : "us";
                        Map<String, String> partial = new HashMap<>();
                        partial.put("id", String.valueOf(i));
                        partial.put("region", region);
                        partial.put("tags", "{updated}");
                        partial.put("doc", null);
                        partial.put("b", "\\xbeef");
                        w.write(RowChange.update(Row.partial(t, partial)));
                        List<String> e = new ArrayList<>(expected.get(i + "/" + region));
                        e.set(1, "{updated}");
                        e.set(2, null);
                        e.set(3, "\\xbeef");
                        expected.put(i + "/" + region, e);
                    }
                    w.write(RowChange.delete(Row.of(t, "1", "us", null, null, null, null)));
                    expected.remove("1/us");
                    w.write(RowChange.delete(Row.of(t, "3", "us", null, null, null, null)));
                    w.write(RowChange.insert(Row.of(t, "3", "us", "back", null, "[]", null)));
                    expected.put("3/us", java.util.Arrays.asList("back", null, "[]", null));
                    w.commit(new Lsn(1000));
                }
                Map<String, List<String>> actual = new HashMap<>();
                for (List<String> row : s.query("postgres", "SELECT id || '/' || region, note, tags::text, doc::text, "
                        + "b::text FROM public." + table)) {
                    actual.put(row.get(0), row.subList(1, 5));
                }
                // The inputs are written in the target's output forms (jsonb, text[], bytea), so they compare as text.
                assertEquals(expected, actual, table);
            }
        }
    }

}
