package dev.ferry.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.embedded.ServerPair;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.Transform;
import dev.ferry.transforms.TransformChain;
import dev.ferry.verify.RowDifference.Kind;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Verify against real servers: the source is PostgreSQL 15, the target 17. */
class VerifierIT {
    private static ServerPair pair;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @BeforeAll
    static void start() {
        pair = ServerPair.start();
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    /** A fresh, empty database of the same name on both servers. */
    static String fresh() {
        String db = "v" + DATABASES.incrementAndGet();
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        return db;
    }

    /** A fresh database on both servers, with {@code sql} run on both. */
    static String both(String sql) {
        String db = fresh();
        pair.source().execute(db, sql);
        pair.target().execute(db, sql);
        return db;
    }

    static VerifyOptions options(String db) {
        return VerifyOptions.of(ConnectionSpec.parse(pair.source().uri(db)), ConnectionSpec.parse(pair.target().uri(db)))
                .withJobs(2);
    }

    static TableResult table(VerifyResult r, String schema, String name) {
        return r.tables().stream().filter(t -> t.table().equals(new TableId(schema, name))).findFirst()
                .orElseThrow(() -> new AssertionError("no result for " + schema + "." + name + " in " + r));
    }

    static final String MANY_SHAPES = """
            CREATE TABLE plain (id int PRIMARY KEY, name text, amount numeric(12,3), at timestamptz, f float8,
                                flags bool[], doc jsonb, total numeric GENERATED ALWAYS AS (amount * 2) STORED);
            INSERT INTO plain (id, name, amount, at, f, flags, doc)
              SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'name ' || g END, g * 1.5, timestamptz '2020-01-01' + g * interval '1 hour',
                     CASE g % 4 WHEN 0 THEN 'NaN'::float8 WHEN 1 THEN '-Infinity' ELSE g / 3.0 END,
                     ARRAY[g % 2 = 0, NULL], jsonb_build_object('g', g, 'nested', jsonb_build_array(1, 'two', NULL))
              FROM generate_series(1, 3000) g;
            CREATE TABLE composite (region int, day date, seq bigint, v text, PRIMARY KEY (region, day, seq));
            INSERT INTO composite SELECT g % 5, date '2024-01-01' + g % 11, g, repeat('x', g % 30) FROM generate_series(1, 2000) g;
            CREATE TABLE textkeys (k text PRIMARY KEY, v int);
            INSERT INTO textkeys VALUES ('', 1), (' ', 2), ('a,b', 3), ('(x)', 4), ('quote"d', 5), ('back\\slash', 6),
              (E'new\\nline', 7), ('Ünïcödé ✓', 8), ('NULL', 9), ('\\N', 10), ('O''Brien', 11), ('a', 12), ('A', 13), ('é', 14), ('e', 15);
            CREATE SCHEMA "Sales Dept";
            CREATE TABLE "Sales Dept"."Order ""Lines""\" ("select" int, "Line No" int, "Ünï" text, PRIMARY KEY ("select", "Line No"));
            INSERT INTO "Sales Dept"."Order ""Lines""\" SELECT g / 10, g % 10, 'v' || g FROM generate_series(1, 500) g;
            CREATE TABLE keyless (a int, b text);
            INSERT INTO keyless SELECT g % 50, CASE WHEN g % 3 = 0 THEN NULL ELSE 'b' || (g % 20) END FROM generate_series(1, 1000) g;
            CREATE TABLE empty_one (id int PRIMARY KEY);
            """;

    @Test
    void identicalTablesOfManyShapesAreEqual() {
        String db = both(MANY_SHAPES);
        VerifyResult r = Verifier.verify(options(db));
        assertTrue(r.equal(), () -> "expected equal: " + r);
        assertEquals(6, r.tables().size(), r::toString);
        assertEquals(3000, table(r, "public", "plain").sourceRows());
        assertEquals(3000, table(r, "public", "plain").targetRows());
        assertEquals("hash-multiset", table(r, "public", "keyless").method());
        assertEquals(1000, table(r, "public", "keyless").targetRows());
    }

    @Test
    void aChangedADeletedAndAnExtraRowAreNamedWithTheirKeys() {
        String db = both(MANY_SHAPES);
        pair.target().execute(db, """
                UPDATE plain SET name = 'changed' WHERE id = 42;
                DELETE FROM plain WHERE id = 1000;
                INSERT INTO plain (id, name) VALUES (5000, 'extra');
                """);
        VerifyResult r = Verifier.verify(options(db));
        assertFalse(r.equal());
        assertEquals(1, r.differingTables(), r::toString);
        TableResult t = table(r, "public", "plain");
        assertEquals(3, t.differences(), t::toString);
        assertTrue(t.listed().contains(new RowDifference(Kind.DIFFERENT, "id=42", 1)), t::toString);
        assertTrue(t.listed().contains(new RowDifference(Kind.MISSING_ON_TARGET, "id=1000", 1)), t::toString);
        assertTrue(t.listed().contains(new RowDifference(Kind.EXTRA_ON_TARGET, "id=5000", 1)), t::toString);
        assertEquals(3000, t.sourceRows());
        assertEquals(3000, t.targetRows());
    }

    @Test
    void aValueChangeInAGeneratedOrNullColumnIsFound() {
        String db = both(MANY_SHAPES);
        pair.target().execute(db, """
                UPDATE plain SET name = NULL WHERE id = 8;
                ALTER TABLE plain DROP COLUMN total;
                ALTER TABLE plain ADD COLUMN total numeric GENERATED ALWAYS AS (amount * 3) STORED;
                """);
        TableResult t = table(Verifier.verify(options(db)), "public", "plain");
        assertEquals(3000, t.differences(), "every row's generated value differs: " + t);
        assertEquals(20, t.listed().size());
    }

    @Test
    void differencesInCompositeAndTrickyTextKeysAreNamed() {
        String db = both(MANY_SHAPES);
        pair.target().execute(db, """
                UPDATE composite SET v = 'changed' WHERE region = 3 AND day = '2024-01-04' AND seq = 58;
                DELETE FROM textkeys WHERE k IN ('', 'O''Brien', E'new\\nline');
                UPDATE textkeys SET v = 0 WHERE k = 'Ünïcödé ✓';
                INSERT INTO textkeys VALUES ('quote"d ', 99);
                DELETE FROM "Sales Dept"."Order ""Lines""\" WHERE "select" = 7 AND "Line No" = 3;
                """);
        VerifyResult r = Verifier.verify(options(db));
        TableResult composite = table(r, "public", "composite");
        assertEquals(List.of(new RowDifference(Kind.DIFFERENT, "region=3, day=2024-01-04, seq=58", 1)), composite.listed());
        TableResult text = table(r, "public", "textkeys");
        assertEquals(5, text.differences(), text::toString);
        assertTrue(text.listed().contains(new RowDifference(Kind.MISSING_ON_TARGET, "k=''", 1)), text::toString);
        assertTrue(text.listed().contains(new RowDifference(Kind.MISSING_ON_TARGET, "k='O''Brien'", 1)), text::toString);
        assertTrue(text.listed().contains(new RowDifference(Kind.MISSING_ON_TARGET, "k='new\nline'", 1)), text::toString);
        assertTrue(text.listed().contains(new RowDifference(Kind.DIFFERENT, "k='Ünïcödé ✓'", 1)), text::toString);
        assertTrue(text.listed().contains(new RowDifference(Kind.EXTRA_ON_TARGET, "k='quote\"d '", 1)), text::toString);
        TableResult odd = table(r, "Sales Dept", "Order \"Lines\"");
        assertEquals(List.of(new RowDifference(Kind.MISSING_ON_TARGET, "select=7, \"Line No\"=3", 1)), odd.listed());
        assertEquals(3, r.differingTables());
    }

    @Test
    void keylessTablesAreComparedAsMultisets() {
        String db = both(MANY_SHAPES);
        pair.target().execute(db, """
                DELETE FROM keyless WHERE ctid = (SELECT min(ctid) FROM keyless WHERE a = 10 AND b = 'b10');
                INSERT INTO keyless VALUES (1, NULL), (1, NULL), (77, 'new');
                """);
        TableResult t = table(Verifier.verify(options(db)), "public", "keyless");
        assertEquals(3, t.differences(), t::toString);
        assertTrue(t.listed().contains(new RowDifference(Kind.MISSING_ON_TARGET, "a=10, b=b10", 1)), t::toString);
        assertTrue(t.listed().contains(new RowDifference(Kind.EXTRA_ON_TARGET, "a=1, b=NULL", 2)), t::toString);
        assertTrue(t.listed().contains(new RowDifference(Kind.EXTRA_ON_TARGET, "a=77, b=new", 1)), t::toString);
    }

    @Test
    void aSingleDifferingRowInALargeTableIsFoundWithParallelRanges() {
        String db = both("""
                CREATE TABLE big (id bigint PRIMARY KEY, u uuid, v double precision, note text);
                INSERT INTO big SELECT g, md5(g::text)::uuid, g / 7.0, 'row ' || g FROM generate_series(1, 200000) g;
                ANALYZE big;
                """);
        pair.target().execute(db, "UPDATE big SET v = v + 1e-9 WHERE id = 123457");
        System.setProperty("ferry.verify.chunkPages", "64");
        try {
            VerifyResult r = Verifier.verify(options(db).withJobs(3));
            TableResult t = table(r, "public", "big");
            assertEquals(List.of(new RowDifference(Kind.DIFFERENT, "id=123457", 1)), t.listed(), t::toString);
            assertEquals(200000, t.sourceRows());
            assertEquals(200000, t.targetRows());
        } finally {
            System.clearProperty("ferry.verify.chunkPages");
        }
    }

    @Test
    void aMissingTableOrColumnOnTheTargetIsAProblem() {
        String db = both("CREATE TABLE a (id int PRIMARY KEY, x int); CREATE TABLE b (id int PRIMARY KEY);"
                + "INSERT INTO a VALUES (1, 1); INSERT INTO b VALUES (1);");
        pair.target().execute(db, "DROP TABLE b; ALTER TABLE a DROP COLUMN x");
        VerifyResult r = Verifier.verify(options(db));
        assertEquals(List.of("column x is missing on the target"), table(r, "public", "a").problems());
        assertEquals(List.of("table public.b does not exist on the target"), table(r, "public", "b").problems());
        assertFalse(r.equal());
    }

    @Test
    void partitionsAreComparedOneByOne() {
        String db = both("""
                CREATE TABLE measures (day date, sensor int, v numeric, PRIMARY KEY (day, sensor)) PARTITION BY RANGE (day);
                CREATE TABLE measures_2023 PARTITION OF measures FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
                CREATE TABLE measures_2024 PARTITION OF measures FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
                INSERT INTO measures SELECT date '2023-06-01' + g % 400, g, g / 3.0 FROM generate_series(1, 4000) g;
                """);
        pair.target().execute(db, "UPDATE measures SET v = 0 WHERE sensor = 3500");
        VerifyResult r = Verifier.verify(options(db).withTables(List.of(TableId.parse("measures"))));
        assertEquals(2, r.tables().size(), r::toString);
        assertTrue(table(r, "public", "measures_2023").equal(), r::toString);
        String day = pair.source().queryValue(db, "SELECT day FROM measures WHERE sensor = 3500");
        assertEquals(List.of(new RowDifference(Kind.DIFFERENT, "day=" + day + ", sensor=3500", 1)),
                table(r, "public", "measures_2024").listed());
    }

    @Test
    void serversWithDifferentEncodingsAreComparedOnTheirUtf8Text() {
        String db = "v" + DATABASES.incrementAndGet();
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db + " ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
        String sql = "CREATE TABLE words (w text PRIMARY KEY, n int);"
                + "INSERT INTO words VALUES ('café', 1), ('naïve', 2), ('Øre', 3), ('plain', 4), ('', 5);"
                + "CREATE TABLE bag (w text); INSERT INTO bag VALUES ('é'), ('é'), ('e');";
        pair.source().execute(db, sql);
        pair.target().execute(db, sql);
        assertTrue(Verifier.verify(options(db)).equal(), "equal text in UTF8 and LATIN1 hashes alike");

        pair.target().execute(db, "UPDATE words SET n = 0 WHERE w = 'naïve'; DELETE FROM bag WHERE w = 'e'");
        VerifyResult r = Verifier.verify(options(db));
        assertEquals(List.of(new RowDifference(Kind.DIFFERENT, "w='naïve'", 1)), table(r, "public", "words").listed());
        assertEquals(List.of(new RowDifference(Kind.MISSING_ON_TARGET, "w=e", 1)), table(r, "public", "bag").listed());
    }

    @Test
    void renamesAndIntegerWideningStillHashInSql() {
        String db = fresh();
        pair.source().execute(db, "CREATE TABLE cars (id int PRIMARY KEY, vin text, qty int);"
                + "INSERT INTO cars SELECT g, 'VIN' || g, g % 7 FROM generate_series(1, 5000) g;");
        pair.target().execute(db, "CREATE TABLE vehicles (id bigint PRIMARY KEY, vin text, quantity bigint);"
                + "INSERT INTO vehicles SELECT g, 'VIN' || g, g % 7 FROM generate_series(1, 5000) g;");
        TransformChain chain = dev.ferry.transforms.config.TransformConfig.build(List.of(
                java.util.Map.of("type", "change-type", "table", "cars", "column", "id", "to", "bigint"),
                java.util.Map.of("type", "change-type", "table", "cars", "column", "qty", "to", "bigint"),
                java.util.Map.of("type", "rename-column", "table", "cars", "column", "qty", "to", "quantity"),
                java.util.Map.of("type", "rename-table", "table", "cars", "to", "vehicles")));
        VerifyResult r = Verifier.verify(options(db).withChain(chain));
        TableResult cars = table(r, "public", "cars");
        assertTrue(cars.equal(), cars::toString);
        assertEquals("hash", cars.method(), "text-preserving transforms keep the in-SQL path");
        assertEquals(new TableId("public", "vehicles"), cars.target());

        pair.target().execute(db, "UPDATE vehicles SET quantity = 99 WHERE id = 4321");
        cars = table(Verifier.verify(options(db).withChain(chain)), "public", "cars");
        assertEquals(List.of(new RowDifference(Kind.DIFFERENT, "id=4321", 1)), cars.listed());
    }

    @Test
    void keysDuplicatedOnATargetWithoutItsPrimaryKeyAreNamed() {
        String db = both("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' FROM generate_series(1, 100) g;");
        pair.target().execute(db, "ALTER TABLE t DROP CONSTRAINT t_pkey; INSERT INTO t VALUES (50, 'v'), (60, 'other')");
        TableResult t = table(Verifier.verify(options(db).withRechecks(1)), "public", "t");
        assertTrue(t.listed().contains(new RowDifference(Kind.EXTRA_ON_TARGET, "id=50", 1)), t::toString);
        // Which copy of 60 meets the source's row is arbitrary: one is "different", or the other is "extra".
        assertEquals(List.of("id=50", "id=60"), t.listed().stream().map(RowDifference::key).sorted().toList(), t::toString);
    }

    @Test
    void changesInColumnsHashedInBinaryAreFoundIncludingNulls() {
        String db = both("CREATE TABLE b (id bigint PRIMARY KEY, u uuid, at timestamptz, d date, s varchar(10), "
                + "t text, ok boolean, raw bytea, small smallint);"
                + "INSERT INTO b SELECT g, md5(g::text)::uuid, timestamptz '2024-01-01' + g * interval '1 second', "
                + "date '2024-01-01' + g, 's' || g, NULL, g % 2 = 0, '\\x01', g % 100 FROM generate_series(1, 1000) g;");
        pair.target().execute(db, "UPDATE b SET at = at + interval '1 microsecond' WHERE id = 1;"
                + "UPDATE b SET t = '' WHERE id = 2; UPDATE b SET s = NULL WHERE id = 3; UPDATE b SET raw = NULL WHERE id = 4;"
                + "UPDATE b SET s = 's56' WHERE id = 55;"
                + "UPDATE b SET ok = NULL, small = NULL WHERE id = 6");
        TableResult t = table(Verifier.verify(options(db)), "public", "b");
        assertEquals(List.of("id=1", "id=2", "id=3", "id=4", "id=55", "id=6"),
                t.listed().stream().map(RowDifference::key).sorted().toList(), t::toString);
    }

    @Test
    void onlyTheChosenTablesAreCompared() {
        String db = both(MANY_SHAPES);
        pair.target().execute(db, "DELETE FROM plain WHERE id = 1");
        VerifyResult r = Verifier.verify(options(db).withTables(List.of(TableId.parse("composite"))));
        assertEquals(1, r.tables().size());
        assertTrue(r.equal());
    }

    /** Upper-cases people.name and renames the table: what the target of a transformed run holds. */
    static final Transform UPPER = new Transform() {
        @Override
        public String name() {
            return "upper-name";
        }

        @Override
        public boolean touches(TableId table) {
            return table.name().equals("people");
        }

        @Override
        public TableSchema mapSchema(TableSchema source) {
            return source.withId(new TableId(source.id().schema(), "people_v2"));
        }

        @Override
        public List<Row> apply(Row row) {
            if (row.get("id").equals("13")) {
                return List.of(); // filtered out: not on the target
            }
            String name = row.get("name");
            return List.of(row.reshape(mapSchema(row.schema())).with("name", name == null ? null : name.toUpperCase()));
        }
    };

    @Test
    void tablesTouchedByTransformsAreComparedThroughThem() {
        String db = fresh();
        pair.source().execute(db, "CREATE TABLE people (id int PRIMARY KEY, name text, born date);"
                + "INSERT INTO people SELECT g, CASE WHEN g % 9 = 0 THEN NULL ELSE 'person ' || g END, "
                + "date '1990-01-01' + g FROM generate_series(1, 3000) g;"
                + "CREATE TABLE untouched (id int PRIMARY KEY); INSERT INTO untouched VALUES (1), (2);");
        pair.target().execute(db, "CREATE TABLE people_v2 (born date, name text, id int PRIMARY KEY);"
                + "INSERT INTO people_v2 SELECT date '1990-01-01' + g, CASE WHEN g % 9 = 0 THEN NULL ELSE 'PERSON ' || g END, g "
                + "FROM generate_series(1, 3000) g WHERE g <> 13;"
                + "CREATE TABLE untouched (id int PRIMARY KEY); INSERT INTO untouched VALUES (1), (2);");
        VerifyOptions options = options(db).withChain(new TransformChain(List.of(UPPER)));
        VerifyResult r = Verifier.verify(options);
        assertTrue(r.equal(), r::toString);
        TableResult people = table(r, "public", "people");
        assertEquals("rows", people.method());
        assertEquals(new TableId("public", "people_v2"), people.target());
        assertEquals("hash", table(r, "public", "untouched").method());

        pair.target().execute(db, "UPDATE people_v2 SET name = 'person 5' WHERE id = 5; DELETE FROM people_v2 WHERE id = 2999;"
                + "INSERT INTO people_v2 VALUES (NULL, NULL, 13)");
        people = table(Verifier.verify(options), "public", "people");
        assertEquals(java.util.Set.of(new RowDifference(Kind.EXTRA_ON_TARGET, "id=13", 1),
                new RowDifference(Kind.MISSING_ON_TARGET, "id=2999", 1),
                new RowDifference(Kind.DIFFERENT, "id=5", 1)), java.util.Set.copyOf(people.listed()), people::toString);
    }
}
