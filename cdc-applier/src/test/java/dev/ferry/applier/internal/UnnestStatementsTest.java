package dev.ferry.applier.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The apply's statements have one shape per table and column set, whatever the number of rows. */
class UnnestStatementsTest {
    static final Column ID = Column.of("id", "bigint");
    static final Column REGION = Column.of("Region", "character varying(8)");
    static final Column NOTE = Column.of("note", "text");
    static final Column TAGS = Column.of("tags", "public.mood[]");
    static final TableSchema T = new TableSchema(new TableId("Sales", "order items"),
            List.of(ID, REGION, NOTE, TAGS), List.of("id", "Region"));

    @Test
    void anUpsertSpreadsOneTextArrayPerColumnAndCastsEachToItsType() {
        assertEquals("INSERT INTO \"Sales\".\"order items\" (\"id\", \"Region\", \"note\", \"tags\") SELECT "
                + "u.v1::bigint, u.v2::character varying(8), u.v3::text, u.v4::public.mood[] FROM "
                + "unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS u(v1, v2, v3, v4) "
                + "ON CONFLICT (\"id\", \"Region\") DO UPDATE SET \"note\" = EXCLUDED.\"note\", \"tags\" = EXCLUDED.\"tags\"",
                UnnestStatements.upsert(T, List.of(ID, REGION, NOTE, TAGS)));
    }

    @Test
    void anUpsertOfOnlyTheKeyLeavesAnExistingRowAlone() {
        assertEquals("INSERT INTO \"Sales\".\"order items\" (\"id\", \"Region\") SELECT u.v1::bigint, "
                + "u.v2::character varying(8) FROM unnest(?::text[], ?::text[]) AS u(v1, v2) "
                + "ON CONFLICT (\"id\", \"Region\") DO NOTHING", UnnestStatements.upsert(T, List.of(ID, REGION)));
    }

    @Test
    void anIdentityAlwaysColumnIsWrittenAsTheSourceHadIt() {
        Column always = new Column("id", "bigint", true, true, null, null, "a", null);
        TableSchema t = new TableSchema(new TableId("public", "t"), List.of(always, NOTE), List.of("id"));
        assertEquals("INSERT INTO \"public\".\"t\" (\"id\", \"note\") OVERRIDING SYSTEM VALUE SELECT u.v1::bigint, "
                + "u.v2::text FROM unnest(?::text[], ?::text[]) AS u(v1, v2)", UnnestStatements.insert(t, List.of(always, NOTE)));
    }

    @Test
    void anUpdateSetsTheColumnsGivenThenFindsRowsByTheKeyArraysAfterThem() {
        assertEquals("UPDATE \"Sales\".\"order items\" AS x SET \"note\" = u.v1::text FROM "
                + "unnest(?::text[], ?::text[], ?::text[]) AS u(v1, v2, v3) "
                + "WHERE x.\"id\" = u.v2::bigint AND x.\"Region\" = u.v3::character varying(8)",
                UnnestStatements.update(T, List.of(NOTE)));
    }

    @Test
    void aDeleteFindsRowsByTheKeyArrays() {
        assertEquals("DELETE FROM \"Sales\".\"order items\" AS x USING unnest(?::text[], ?::text[]) AS u(v1, v2) "
                + "WHERE x.\"id\" = u.v1::bigint AND x.\"Region\" = u.v2::character varying(8)",
                UnnestStatements.delete(T));
    }
}
