package dev.ferry.core.ddl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.core.catalog.ConstraintInfo;
import dev.ferry.core.catalog.IndexInfo;
import dev.ferry.core.catalog.SequenceInfo;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.core.catalog.TypeInfo;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

class DdlWriterTest {
    static final TableId ORDERS = new TableId("public", "Order \"Lines\"");

    static TableInfo table(TableSchema schema, boolean partitioned, String key, TableId parent, String bound,
                           List<ConstraintInfo> constraints) {
        return new TableInfo(schema, partitioned, key, parent, bound, 'd', "pk", List.of(), constraints, 10, 8192);
    }

    @Test
    void tablesCarryTypesDefaultsIdentityGeneratedColumnsAndChecksButNoKey() {
        TableSchema s = new TableSchema(ORDERS, List.of(
                new Column("id", "bigint", true, true, null, null, "a", null),
                new Column("a,b", "text", true, true, "'x'::text", null, null, "\"pg_catalog\".\"C\""),
                new Column("total", "numeric", true, false, null, "(id * 2)", null, null)), List.of("id"));
        SequenceInfo seq = new SequenceInfo(new TableId("public", "seq"), "bigint", 1, 1, 1, Long.MAX_VALUE, 1, false,
                ORDERS, "id", true);
        String sql = DdlWriter.createTable(s, table(s, false, null, null, null,
                List.of(new ConstraintInfo("positive", ConstraintInfo.Kind.CHECK, "CHECK ((id > 0))", null))), null, List.of(seq));
        assertEquals("CREATE TABLE IF NOT EXISTS \"public\".\"Order \"\"Lines\"\"\" (\n"
                + "  \"id\" bigint GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME \"public\".\"seq\" INCREMENT BY 1 MINVALUE 1 "
                + "MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE) NOT NULL,\n"
                + "  \"a,b\" text COLLATE \"pg_catalog\".\"C\" DEFAULT 'x'::text NOT NULL,\n"
                + "  \"total\" numeric GENERATED ALWAYS AS ((id * 2)) STORED,\n"
                + "  CONSTRAINT \"positive\" CHECK ((id > 0))\n)", sql);
    }

    @Test
    void partitionsAreCreatedUnderTheirParent() {
        TableSchema s = new TableSchema(new TableId("public", "r_2024"), List.of(Column.of("t", "date")), List.of());
        assertEquals("CREATE TABLE IF NOT EXISTS \"public\".\"r_2024\" PARTITION OF \"public\".\"r\" FOR VALUES FROM "
                + "('2024-01-01') TO ('2025-01-01')", DdlWriter.createTable(s, table(s, false, null,
                new TableId("public", "r"), "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", List.of()),
                new TableId("public", "r"), List.of()));
        assertEquals("CREATE TABLE IF NOT EXISTS \"public\".\"r\" (\n  \"t\" date\n) PARTITION BY RANGE (t)",
                DdlWriter.createTable(s.withId(new TableId("public", "r")),
                        table(s, true, "RANGE (t)", null, null, List.of()), null, List.of()));
    }

    @Test
    void typesAreCreatedOnlyWhenMissing() {
        assertEquals("DO $ferry$ BEGIN CREATE TYPE \"s\".\"mood\" AS ENUM ('a''b', 'c'); EXCEPTION WHEN duplicate_object "
                + "THEN NULL; END $ferry$", DdlWriter.createType(new TypeInfo("s", "mood", TypeInfo.Kind.ENUM,
                List.of("a'b", "c"), null, null, List.of())));
        assertEquals("DO $ferry$ BEGIN CREATE TYPE \"s\".\"fr\" AS RANGE (SUBTYPE = double precision); EXCEPTION WHEN "
                + "duplicate_object THEN NULL; END $ferry$", DdlWriter.createType(new TypeInfo("s", "fr",
                TypeInfo.Kind.RANGE, List.of(), "double precision", null, List.of())));
    }

    @Test
    void indexesAreIdempotentBuiltOnPartitionsAndFollowARenamedTable() {
        IndexInfo i = new IndexInfo("i", "CREATE UNIQUE INDEX i ON ONLY public.orders USING btree (a)", true, false);
        TableId orders = new TableId("public", "orders");
        assertEquals("CREATE UNIQUE INDEX IF NOT EXISTS i ON public.orders USING btree (a)", DdlWriter.index(i, orders, orders));
        assertEquals("CREATE UNIQUE INDEX IF NOT EXISTS i ON \"sales\".\"orders\" USING btree (a)",
                DdlWriter.index(i, orders, new TableId("sales", "orders")));
        assertNull(DdlWriter.index(new IndexInfo("j", "CREATE INDEX j ON public.\"user\" USING btree (a)", false, false),
                new TableId("public", "other"), orders));
    }

    @Test
    void foreignKeysAreNotValidExceptOnPartitionedTables() {
        ConstraintInfo fk = new ConstraintInfo("fk", ConstraintInfo.Kind.FOREIGN_KEY,
                "FOREIGN KEY (u) REFERENCES public.users(id)", new TableId("public", "users"));
        TableId t = new TableId("public", "t");
        assertEquals("ALTER TABLE \"public\".\"t\" ADD CONSTRAINT \"fk\" FOREIGN KEY (u) REFERENCES public.users(id) NOT VALID",
                DdlWriter.foreignKey(t, fk, false));
        assertEquals("ALTER TABLE \"public\".\"t\" ADD CONSTRAINT \"fk\" FOREIGN KEY (u) REFERENCES public.users(id)",
                DdlWriter.foreignKey(t, fk, true));
    }

    @Test
    void aSequenceWidenedWithItsColumnLosesTheNarrowMaximum() {
        SequenceInfo s = new SequenceInfo(new TableId("public", "cars_id_seq"), "integer", 1, 1, 1, Integer.MAX_VALUE, 1,
                false, new TableId("public", "cars"), "id", false);
        assertEquals("CREATE SEQUENCE IF NOT EXISTS \"public\".\"cars_id_seq\" AS bigint INCREMENT BY 1 MINVALUE 1 "
                + "START WITH 1 CACHE 1 NO CYCLE", DdlWriter.createSequence(s, "bigint"));
        assertEquals("CREATE SEQUENCE IF NOT EXISTS \"public\".\"cars_id_seq\" AS integer INCREMENT BY 1 MINVALUE 1 "
                + "MAXVALUE 2147483647 START WITH 1 CACHE 1 NO CYCLE", DdlWriter.createSequence(s, "integer"));
    }
}
