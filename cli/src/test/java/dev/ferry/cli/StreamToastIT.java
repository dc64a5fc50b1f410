package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.embedded.ServerPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unchanged TOASTed values, of every kind of type, stay as they are on the target when another column changes:
 * pgoutput marks them unchanged, and Ferry carries that mark out of band, never as a special value (a real value
 * spelled like Debezium's placeholder is data). A transform that reads such a column takes it from the old image
 * of a {@code REPLICA IDENTITY FULL} table, even when the row is gone from the source by then.
 */
class StreamToastIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(120);

    @Test
    void unchangedToastedValuesOfEveryTypeStayAndAPlaceholderLookalikeIsData(@TempDir Path tmp) throws Exception {
        try (ServerPair pair = ServerPair.start()) {
            String db = "toast";
            String schema = """
                    CREATE EXTENSION hstore;
                    CREATE TYPE mood AS ENUM ('sad', 'happy day');
                    CREATE TYPE pair AS (a int, b text);
                    CREATE DOMAIN long_text AS text CHECK (length(VALUE) > 0);
                    CREATE DOMAIN int_list AS int[] CHECK (cardinality(VALUE) > 0);
                    CREATE TABLE toasty (id int PRIMARY KEY, k int, ai int[], au uuid[], at text[], ae mood[], ac pair[],
                      an numeric[], a2 int[], j json, jb jsonb, hs hstore, b bytea, comp pair, dom long_text, dal int_list,
                      rng numrange, tsv tsvector, x xml, t text, lookalike text, lookalike_array text[]);
                    CREATE TABLE notes (id int PRIMARY KEY, k int, body text);
                    ALTER TABLE notes REPLICA IDENTITY FULL;
                    """;
            pair.source().execute("CREATE DATABASE " + db);
            pair.target().execute("CREATE DATABASE " + db);
            pair.target().execute(db, "CREATE EXTENSION hstore");
            pair.source().execute(db, schema);
            // Out of line and uncompressed, so each value is TOASTed and an update of k leaves it unchanged.
            pair.source().execute(db, "DO $$ DECLARE c record; BEGIN FOR c IN SELECT attname FROM pg_attribute WHERE "
                    + "attrelid = 'toasty'::regclass AND attnum > 2 AND NOT attisdropped "
                    + "LOOP EXECUTE format('ALTER TABLE toasty ALTER COLUMN %I SET STORAGE EXTERNAL', c.attname); END LOOP; "
                    + "END $$; ALTER TABLE notes ALTER COLUMN body SET STORAGE EXTERNAL");
            Path config = tmp.resolve("ferry.yml");
            Files.writeString(config, """
                    transforms:
                      - type: filter
                        table: public.notes
                        where: body != 'hidden'
                    """);
            try (RunningFerry ferry = RunningFerry.start(tmp.resolve("ferry.log"), "start", "--config", config.toString(),
                    "--source", pair.source().uri(db), "--target", pair.target().uri(db))) {
                ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
                pair.source().execute(db, """
                        INSERT INTO toasty SELECT r, 0,
                          (SELECT array_agg((random() * 1000)::int) FROM generate_series(1, 3000)),
                          (SELECT array_agg(gen_random_uuid()) FROM generate_series(1, 300)),
                          (SELECT array_agg(md5(g::text)) FROM generate_series(1, 300) g),
                          (SELECT array_agg(CASE WHEN g % 2 = 0 THEN 'sad' ELSE 'happy day' END::mood) FROM generate_series(1, 1000) g),
                          (SELECT array_agg(ROW(g, md5(g::text))::pair) FROM generate_series(1, 300) g),
                          (SELECT array_agg(CASE WHEN g = 1 THEN 'NaN'::numeric WHEN g = 2 THEN '-Infinity' ELSE g END) FROM generate_series(1, 1000) g),
                          array_fill(7, ARRAY[40, 50], ARRAY[0, -3]),
                          (SELECT json_agg(md5(g::text)) FROM generate_series(1, 300) g),
                          (SELECT jsonb_agg(md5(g::text)) FROM generate_series(1, 300) g),
                          (SELECT hstore(array_agg('k' || g), array_agg(md5(g::text))) FROM generate_series(1, 300) g),
                          (SELECT decode(string_agg(md5(g::text), ''), 'hex') FROM generate_series(1, 500) g),
                          ROW(r, repeat('c', 5000))::pair,
                          repeat('d', 5000),
                          (SELECT array_agg(g) FROM generate_series(1, 2000) g),
                          numrange(('1' || repeat('0', 3000))::numeric, ('2' || repeat('0', 3000))::numeric),
                          (SELECT to_tsvector('simple', string_agg(md5(g::text), ' ')) FROM generate_series(1, 500) g),
                          ('<?xml version="1.0" encoding="UTF-8"?><a>' || repeat('x', 5000) || '</a>')::xml,
                          repeat('t', 5000),
                          '__debezium_unavailable_value',
                          '{__debezium_unavailable_value}'
                        FROM generate_series(1, 3) r;
                        INSERT INTO notes SELECT g, 0, repeat('note ', 2000) FROM generate_series(1, 3) g;
                        """);
                ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
                pair.source().execute(db, "UPDATE toasty SET k = k + 1; UPDATE toasty SET k = k + 1 WHERE id = 2;"
                        + "UPDATE notes SET k = k + 1 WHERE id = 1;"
                        + "BEGIN; UPDATE notes SET k = k + 1 WHERE id = 2; DELETE FROM notes WHERE id = 2; COMMIT;"
                        + "BEGIN; UPDATE notes SET k = k + 1 WHERE id = 3; UPDATE notes SET body = 'hidden' WHERE id = 3; COMMIT");
                ferry.awaitCaughtUp(pair.source(), pair.target(), db, CATCH_UP);
                for (String table : List.of("toasty", "notes")) {
                    String q = "SELECT t::text FROM " + table + " t ORDER BY id";
                    // The filter drops note 3 once its body reads 'hidden'.
                    List<List<String>> source = pair.source().query(db, q.replace(" ORDER", " WHERE "
                            + (table.equals("notes") ? "body <> 'hidden'" : "true") + " ORDER"));
                    List<List<String>> target = pair.target().query(db, q);
                    assertEquals(source.size(), target.size(), table + " row count; ferry output:\n" + ferry.output());
                    for (int i = 0; i < source.size(); i++) {
                        assertEquals(source.get(i), target.get(i), table + " row " + i + "; ferry output:\n"
                                + ferry.output());
                    }
                }
                assertEquals("__debezium_unavailable_value", pair.target().queryValue(db,
                        "SELECT lookalike FROM toasty WHERE id = 1"));
            }
        }
    }
}
