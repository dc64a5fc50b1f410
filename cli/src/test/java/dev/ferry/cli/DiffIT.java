package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DiffIT extends WithServers {
    static final String SCHEMA = """
            CREATE TYPE status AS ENUM ('new', 'done');
            CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, created timestamptz DEFAULT now());
            CREATE UNIQUE INDEX users_email ON users (lower(email));
            CREATE TABLE "Order Lines" (id int PRIMARY KEY, user_id bigint REFERENCES users(id), s status, qty int);
            CREATE INDEX ON "Order Lines" (user_id);
            """;

    private static void database(String db) {
        pair.source().execute("CREATE DATABASE " + db);
        pair.target().execute("CREATE DATABASE " + db);
        pair.source().execute(db, SCHEMA);
        pair.target().execute(db, SCHEMA);
    }

    @Test
    void identicalSchemasMatch() {
        database("same");
        FerryRun r = FerryRun.run("diff", "--source", pair.source().uri("same"), "--target", pair.target().uri("same"));
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.out().contains("matches"), r.all());
    }

    @Test
    void everyKindOfDriftIsNamed() {
        database("drift");
        pair.target().execute("drift", """
                ALTER TABLE "Order Lines" ALTER COLUMN qty TYPE bigint;
                ALTER TABLE "Order Lines" DROP COLUMN s;
                ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
                DROP INDEX users_email;
                CREATE TABLE extra (id int);
                ALTER TABLE "Order Lines" DROP CONSTRAINT "Order Lines_user_id_fkey";
                """);
        FerryRun r = FerryRun.run("diff", "--source", pair.source().uri("drift"), "--target", pair.target().uri("drift"));
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.out().contains("column public.Order Lines.qty is bigint on the target, expected integer"), r.all());
        assertTrue(r.out().contains("column public.Order Lines.s (public.status) is missing on the target"), r.all());
        assertTrue(r.out().contains("column public.users.email is nullable on the target, expected NOT NULL"), r.all());
        assertTrue(r.out().contains("index on public.users UNIQUE btree (lower(email)) is missing"), r.all());
        assertTrue(r.out().contains("table public.extra exists only on the target"), r.all());
        assertTrue(r.out().contains("foreign key on public.Order Lines FOREIGN KEY (user_id) REFERENCES public.users(id) is missing"), r.all());
        FerryRun j = FerryRun.run("diff", "--json", "--source", pair.source().uri("drift"), "--target", pair.target().uri("drift"));
        assertTrue(j.out().contains("\"kind\" : \"column_type\""), j.all());
    }

    @Test
    void checkComparesTheTablesTheTargetAlreadyHas() {
        database("prepared");
        pair.target().execute("prepared", "ALTER TABLE \"Order Lines\" ALTER COLUMN qty TYPE bigint");
        FerryRun r = FerryRun.run("check", "--source", pair.source().uri("prepared"), "--target", pair.target().uri("prepared"));
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.out().contains("problem: the target's existing column public.Order Lines.qty is bigint on the target, "
                + "expected integer"), r.all());
        pair.source().execute("CREATE DATABASE fresh");
        pair.target().execute("CREATE DATABASE fresh");
        pair.source().execute("fresh", SCHEMA);
        FerryRun fresh = FerryRun.run("check", "--source", pair.source().uri("fresh"), "--target", pair.target().uri("fresh"));
        assertEquals(0, fresh.exit(), "an empty target is what the snapshot expects: " + fresh.all());
    }
}
