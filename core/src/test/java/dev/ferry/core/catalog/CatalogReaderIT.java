package dev.ferry.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.embedded.PgServer;
import dev.ferry.embedded.Servers;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The catalog reader against a real server, on names and types that break naive SQL generation. Runs on the
 * source's PostgreSQL 15 here and, through {@link CatalogReaderOnTargetIT}, on the target's 17.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CatalogReaderIT {
    static final String SCHEMA = "Sales \"Dept\", Größe";
    static final TableId LINES = new TableId(SCHEMA, "Order \"Lines\", v2");
    static final TableId USER = new TableId("public", "user");
    static final TableId BOOKS = new TableId("public", "Bücher");
    static final TableId CUSTOMERS = new TableId("public", "customers");
    static final TableId INVOICES = new TableId("public", "invoices");
    static final TableId NOTES = new TableId("public", "notes");
    static final TableId BORROWED = new TableId("public", "borrowed");
    static final TableId BOOKINGS = new TableId("public", "bookings");
    static final TableId EVENTS = new TableId("public", "events");
    static final TableId EVENTS_2024 = new TableId("public", "events_2024");
    static final TableId EVENTS_2025 = new TableId("public", "z_events_2025");
    static final TableId EVENTS_2025_SAD = new TableId("public", "a_events_2025_sad");
    static final String S = "\"Sales \"\"Dept\"\", Größe\"";

    PgServer server;
    Catalog all;

    PgServer startServer() {
        return Servers.source();
    }

    @BeforeAll
    void createFixture() throws Exception {
        server = startServer();
        server.execute("CREATE DATABASE catalog");
        server.execute("catalog", String.join(";\n",
                "CREATE SCHEMA " + S,
                "CREATE TYPE " + S + ".\"Mood\" AS ENUM ('sad', 'ok', 'happy, really', 'très \"bien\"')",
                "CREATE DOMAIN " + S + ".positive AS numeric(12,2) DEFAULT 1 NOT NULL CONSTRAINT is_positive CHECK (VALUE > 0)",
                "CREATE TYPE " + S + ".address AS (street text, zip " + S + ".positive, moods " + S + ".\"Mood\"[])",
                "CREATE TYPE " + S + ".floatrange AS RANGE (subtype = float8)",
                "CREATE DOMAIN public.code AS text COLLATE \"C\" CHECK (VALUE ~ '^[A-Z]+$')",
                "CREATE TABLE public.customers (id serial PRIMARY KEY, email text UNIQUE, code public.code)",
                "CREATE TABLE " + LINES.quoted() + " ("
                        + " \"Id\" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                        + " \"select\" text COLLATE \"C\" DEFAULT 'x',"
                        + " qty int NOT NULL DEFAULT 1 CHECK (qty > 0),"
                        + " price " + S + ".positive,"
                        + " total numeric GENERATED ALWAYS AS (qty * price) STORED,"
                        + " mood " + S + ".\"Mood\" DEFAULT 'ok',"
                        + " moods " + S + ".\"Mood\"[],"
                        + " tags text[],"
                        + " grid int[][],"
                        + " ship " + S + ".address,"
                        + " span " + S + ".floatrange,"
                        + " \"größe\" varchar(20),"
                        + " customer_id int REFERENCES public.customers (id) ON DELETE CASCADE,"
                        + " CONSTRAINT \"uniq, sel\" UNIQUE (\"select\", qty))",
                "CREATE INDEX \"idx größe\" ON " + LINES.quoted() + " (lower(\"größe\")) WHERE qty > 1",
                "CREATE TABLE public.\"user\" (\"order\" int PRIMARY KEY, \"from\" text, \"Group\" int)",
                "CREATE TABLE public.\"Bücher\" (id int, titel text)",
                "ALTER TABLE public.\"Bücher\" REPLICA IDENTITY FULL",
                "CREATE SEQUENCE public.invoice_no AS integer START 100 INCREMENT 5",
                "CREATE TABLE public.invoices (no int PRIMARY KEY DEFAULT nextval('public.invoice_no'))",
                "ALTER SEQUENCE public.invoice_no OWNED BY public.invoices.no",
                "CREATE SEQUENCE public.shared_seq",
                "CREATE TABLE public.notes (id bigint PRIMARY KEY DEFAULT nextval('public.shared_seq'), body text)",
                "CREATE TABLE public.events (id bigint, at date, kind " + S + ".\"Mood\", "
                        + "PRIMARY KEY (id, at), CHECK (id > 0)) PARTITION BY RANGE (at)",
                "CREATE INDEX events_kind ON public.events (kind)",
                "CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                "CREATE TABLE public.z_events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') "
                        + "TO ('2026-01-01') PARTITION BY RANGE (at)",
                "CREATE TABLE public.a_events_2025_sad PARTITION OF public.z_events_2025 "
                        + "FOR VALUES FROM ('2025-01-01') TO ('2025-07-01')",
                "CREATE TABLE public.bookings (id int GENERATED BY DEFAULT AS IDENTITY (START WITH 7) PRIMARY KEY, "
                        + "gone text, line_id bigint REFERENCES " + LINES.quoted() + " (\"Id\") DEFERRABLE, "
                        + "during tsrange, EXCLUDE USING gist (during WITH &&))",
                "ALTER TABLE public.bookings DROP COLUMN gone",
                "CREATE EXTENSION citext",
                "CREATE TABLE public.borrowed (id int PRIMARY KEY, email public.citext, emails public.citext[], "
                        + "label information_schema.sql_identifier, cust public.customers)",
                "CREATE SCHEMA ferry",
                "CREATE TABLE ferry.run (id int PRIMARY KEY)"));
        try (Connection c = connect()) {
            all = new CatalogReader(c, "ferry").read(List.of());
        }
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    Connection connect() {
        return Db.open(ConnectionSpec.parse(server.uri("catalog")), "source", "test");
    }

    Column column(TableId t, String name) {
        return all.table(t).orElseThrow().schema().column(name).orElseThrow(() -> new AssertionError(name));
    }

    @Test
    void readsEveryTableWhateverItsNameButNotFerrysOwn() {
        assertEquals(List.of(BOOKINGS, BOOKS, BORROWED, CUSTOMERS, EVENTS, INVOICES, NOTES, USER, LINES, EVENTS_2024,
                EVENTS_2025, EVENTS_2025_SAD).stream().sorted().toList(), all.tables().keySet().stream().sorted().toList());
    }

    @Test
    void everyNameQuotedByFerryReachesTheRightTable() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (TableInfo t : all.tables().values()) {
                String cols = t.schema().columns().stream().map(Column::quotedName).collect(Collectors.joining(", "));
                try (ResultSet rs = s.executeQuery("SELECT " + cols + " FROM " + t.id().quoted() + " LIMIT 0")) {
                    assertEquals(t.schema().columns().size(), rs.getMetaData().getColumnCount(), t.id().toString());
                }
            }
        }
    }

    @Test
    void parentsComeBeforeTheirPartitionsAtEveryDepth() {
        List<TableId> order = new ArrayList<>(all.tables().keySet());
        for (TableInfo t : all.tables().values()) {
            if (t.parent() != null) {
                assertTrue(order.indexOf(t.parent()) < order.indexOf(t.id()), t.id() + " before its parent: " + order);
            }
        }
    }

    @Test
    void columnTypesAreFullyQualifiedAndFlaggedBuiltinOrNot() {
        assertEquals("bigint", column(LINES, "Id").type());
        assertEquals(S + ".\"Mood\"", column(LINES, "mood").type());
        assertEquals(S + ".\"Mood\"[]", column(LINES, "moods").type());
        assertEquals(S + ".positive", column(LINES, "price").type());
        assertEquals(S + ".address", column(LINES, "ship").type());
        assertEquals(S + ".floatrange", column(LINES, "span").type());
        assertEquals("integer[]", column(LINES, "grid").type());
        assertEquals("character varying(20)", column(LINES, "größe").type());
        assertTrue(column(LINES, "tags").builtin());
        assertTrue(column(LINES, "grid").builtin());
        assertTrue(column(LINES, "größe").builtin());
        for (String user : List.of("mood", "moods", "price", "ship", "span")) {
            assertFalse(column(LINES, user).builtin(), user);
        }
    }

    @Test
    void identityGeneratedDefaultsCollationsAndNotNull() {
        Column id = column(LINES, "Id");
        assertEquals("a", id.identity());
        assertNull(id.defaultExpr());
        Column total = column(LINES, "total");
        assertTrue(total.generated());
        assertEquals("((qty)::numeric * (price)::numeric)", total.generatedExpr());
        assertNull(total.defaultExpr());
        assertEquals("'x'::text", column(LINES, "select").defaultExpr());
        assertEquals("pg_catalog.\"C\"", column(LINES, "select").collation());
        assertNull(column(LINES, "tags").collation());
        assertEquals("1", column(LINES, "qty").defaultExpr());
        assertTrue(column(LINES, "qty").notNull());
        assertEquals("'ok'::" + S + ".\"Mood\"", column(LINES, "mood").defaultExpr());
        assertEquals("nextval('public.customers_id_seq'::regclass)", column(CUSTOMERS, "id").defaultExpr());
        assertNull(column(CUSTOMERS, "code").collation(), "the domain's collation is not the column's own");
    }

    @Test
    void keysConstraintsAndIndexes() {
        TableInfo lines = all.table(LINES).orElseThrow();
        assertEquals(List.of("Id"), lines.schema().key());
        assertEquals("Order \"Lines\", v2_pkey", lines.primaryKeyName());
        Map<String, ConstraintInfo> cons = lines.constraints().stream()
                .collect(Collectors.toMap(ConstraintInfo::name, Function.identity()));
        assertEquals(ConstraintInfo.Kind.UNIQUE, cons.get("uniq, sel").kind());
        assertEquals("UNIQUE (\"select\", qty)", cons.get("uniq, sel").definition());
        ConstraintInfo fk = lines.foreignKeys().get(0);
        assertEquals(CUSTOMERS, fk.references());
        assertEquals("FOREIGN KEY (customer_id) REFERENCES public.customers(id) ON DELETE CASCADE", fk.definition());
        assertTrue(cons.values().stream().anyMatch(c -> c.kind() == ConstraintInfo.Kind.CHECK
                && c.definition().equals("CHECK ((qty > 0))")), cons.toString());
        Map<String, IndexInfo> idx = lines.indexes().stream().collect(Collectors.toMap(IndexInfo::name, Function.identity()));
        assertTrue(idx.get("idx größe").definition().startsWith("CREATE INDEX \"idx größe\" ON " + S
                + ".\"Order \"\"Lines\"\", v2\" USING btree (lower((\"größe\")::text)) WHERE (qty > 1)"),
                idx.get("idx größe").definition());
        assertFalse(idx.get("idx größe").unique());
        assertTrue(idx.get("uniq, sel").unique());
        assertTrue(idx.get("uniq, sel").constraint());
        assertEquals(2, idx.size(), "the primary key's index is not listed: " + idx);
    }

    @Test
    void droppedColumnsExclusionConstraintsAndKeysToHostileNames() {
        TableInfo bookings = all.table(BOOKINGS).orElseThrow();
        assertEquals(List.of("id", "line_id", "during"), bookings.schema().columns().stream().map(Column::name).toList());
        assertEquals("d", column(BOOKINGS, "id").identity());
        ConstraintInfo fk = bookings.foreignKeys().get(0);
        assertEquals(LINES, fk.references());
        assertEquals("FOREIGN KEY (line_id) REFERENCES " + LINES.quoted() + "(\"Id\") DEFERRABLE", fk.definition());
        ConstraintInfo exclusion = bookings.constraints().stream()
                .filter(c -> c.kind() == ConstraintInfo.Kind.EXCLUSION).findFirst().orElseThrow();
        assertEquals("EXCLUDE USING gist (during WITH &&)", exclusion.definition());
        IndexInfo backing = bookings.indexes().get(0);
        assertEquals(exclusion.name(), backing.name());
        assertTrue(backing.constraint(), "created through its constraint, not on its own");
    }

    @Test
    void aKeylessFullIdentityTableIsReplicable() {
        TableInfo books = all.table(BOOKS).orElseThrow();
        assertFalse(books.schema().hasKey());
        assertEquals('f', books.replicaIdentity());
        assertTrue(books.replicable());
        assertEquals('d', all.table(USER).orElseThrow().replicaIdentity());
        assertEquals(List.of("order"), all.table(USER).orElseThrow().schema().key());
    }

    @Test
    void partitionedTablesTheirBoundsAndNoDuplicatedConstraints() {
        TableInfo events = all.table(EVENTS).orElseThrow();
        assertTrue(events.partitioned());
        assertEquals("RANGE (at)", events.partitionKey());
        assertEquals(List.of("id", "at"), events.schema().key());
        assertEquals(1, events.constraints().size(), events.constraints().toString());
        assertEquals(List.of("events_kind"), events.indexes().stream().map(IndexInfo::name).toList());
        TableInfo p2024 = all.table(EVENTS_2024).orElseThrow();
        assertEquals(EVENTS, p2024.parent());
        assertEquals("FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", p2024.partitionBound());
        assertTrue(p2024.constraints().isEmpty(), "inherited constraints come from the parent: " + p2024.constraints());
        assertTrue(p2024.indexes().isEmpty(), "attached indexes come from the parent: " + p2024.indexes());
        TableInfo p2025 = all.table(EVENTS_2025).orElseThrow();
        assertTrue(p2025.partitioned());
        assertEquals("RANGE (at)", p2025.partitionKey());
        assertEquals(EVENTS_2025, all.table(EVENTS_2025_SAD).orElseThrow().parent());
        assertEquals("FOR VALUES FROM ('2025-01-01') TO ('2025-07-01')", all.table(EVENTS_2025_SAD).orElseThrow().partitionBound());
        assertEquals(List.of(BOOKINGS, BOOKS, BORROWED, CUSTOMERS, INVOICES, NOTES, USER, LINES, EVENTS_2024,
                EVENTS_2025_SAD).stream()
                .sorted().toList(), all.dataTables().stream().map(TableInfo::id).sorted().toList());
    }

    @Test
    void aWantedPartitionedTableBringsItsPartitionsAtEveryDepth() {
        try (Connection c = connect()) {
            CatalogReader reader = new CatalogReader(c, "ferry");
            Catalog events = reader.read(List.of(EVENTS));
            assertEquals(List.of(EVENTS, EVENTS_2024, EVENTS_2025, EVENTS_2025_SAD).stream().sorted().toList(),
                    events.tables().keySet().stream().sorted().toList());
            assertEquals(List.of(new TableId("public", "nope")), reader.missing(List.of(USER, new TableId("public", "nope"))));
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void sequencesWithTheirOwnersAndTheOnesDefaultsUse() {
        Map<String, SequenceInfo> seqs = all.sequences().stream()
                .collect(Collectors.toMap(s -> s.id().name(), Function.identity()));
        SequenceInfo invoice = seqs.get("invoice_no");
        assertEquals("integer", invoice.type());
        assertEquals(100, invoice.start());
        assertEquals(5, invoice.increment());
        assertEquals(INVOICES, invoice.ownerTable());
        assertEquals("no", invoice.ownerColumn());
        assertFalse(invoice.identity());
        SequenceInfo shared = seqs.get("shared_seq");
        assertNull(shared.ownerTable(), "a sequence only used by a default has no owner");
        assertEquals("bigint", shared.type());
        SequenceInfo serial = seqs.get("customers_id_seq");
        assertEquals(CUSTOMERS, serial.ownerTable());
        assertEquals("id", serial.ownerColumn());
        SequenceInfo identity = seqs.get("Order \"Lines\", v2_Id_seq");
        assertEquals(LINES, identity.ownerTable());
        assertTrue(identity.identity());
        SequenceInfo byDefault = seqs.get("bookings_id_seq");
        assertEquals(7, byDefault.start());
        assertTrue(byDefault.identity());
        assertEquals(5, seqs.size(), seqs.keySet().toString());
    }

    @Test
    void userTypesComeDependenciesFirstWithTheirDefinitions() {
        Map<String, TypeInfo> types = all.types().stream().collect(Collectors.toMap(TypeInfo::name, Function.identity()));
        assertEquals(List.of("sad", "ok", "happy, really", "très \"bien\""), types.get("Mood").labels());
        assertEquals(TypeInfo.Kind.ENUM, types.get("Mood").kind());
        TypeInfo positive = types.get("positive");
        assertEquals(TypeInfo.Kind.DOMAIN, positive.kind());
        assertEquals("numeric(12,2)", positive.baseType());
        assertEquals("DEFAULT 1 NOT NULL CONSTRAINT \"is_positive\" CHECK ((VALUE > (0)::numeric))", positive.definition());
        TypeInfo address = types.get("address");
        assertEquals(TypeInfo.Kind.COMPOSITE, address.kind());
        assertEquals("(\"street\" text, \"zip\" " + S + ".positive, \"moods\" " + S + ".\"Mood\"[])", address.definition());
        assertEquals(List.of(S + ".\"positive\"", S + ".\"Mood\""), address.dependsOn());
        TypeInfo range = types.get("floatrange");
        assertEquals(TypeInfo.Kind.RANGE, range.kind());
        assertEquals("double precision", range.baseType());
        assertTrue(range.dependsOn().isEmpty(), "float8 is built in");
        assertTrue(positive.dependsOn().isEmpty(), "numeric is built in");
        TypeInfo code = types.get("code");
        assertEquals("COLLATE pg_catalog.\"C\" CONSTRAINT \"code_check\" CHECK ((VALUE ~ '^[A-Z]+$'::text))", code.definition());
        List<String> order = all.types().stream().map(TypeInfo::name).toList();
        assertTrue(order.indexOf("positive") < order.indexOf("address"), order.toString());
        assertTrue(order.indexOf("Mood") < order.indexOf("address"), order.toString());
        assertEquals(5, types.size(), order.toString());
        assertEquals(S + ".\"Mood\"", types.get("Mood").qualifiedName());
    }

    @Test
    void typesFromExtensionsBuiltInDomainsAndTableRowTypesAreNotRecreated() {
        assertEquals("public.citext", column(BORROWED, "email").type());
        assertEquals("public.citext[]", column(BORROWED, "emails").type());
        assertEquals("public.customers", column(BORROWED, "cust").type());
        List<String> names = all.types().stream().map(TypeInfo::name).toList();
        for (String absent : List.of("citext", "sql_identifier", "customers")) {
            assertFalse(names.contains(absent), names.toString());
        }
    }

    @Test
    void leavesTheSessionSearchPathAsItWas() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("SET search_path = " + S + ", public");
            new CatalogReader(c, "ferry").read(List.of(USER));
            try (ResultSet rs = s.executeQuery("SHOW search_path")) {
                rs.next();
                assertEquals(S + ", public", rs.getString(1));
            }
        }
    }
}
