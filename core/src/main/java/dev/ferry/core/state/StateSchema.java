package dev.ferry.core.state;

import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The state schema's tables, created on first use and upgraded one version at a time, so a run started by an
 * older Ferry continues under a newer one; a schema written by a newer Ferry is refused, never downgraded.
 */
final class StateSchema {
    static final int VERSION = 5;

    private StateSchema() {}

    static void migrate(Connection c, String schema) throws SQLException {
        String q = Identifiers.quote(schema);
        // Serialises concurrent first uses: CREATE SCHEMA IF NOT EXISTS alone can race.
        try (Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT pg_advisory_xact_lock(hashtext('ferry-migrate'))");
            st.execute("CREATE SCHEMA IF NOT EXISTS " + q);
            st.execute("CREATE TABLE IF NOT EXISTS " + q + ".meta (version int NOT NULL)");
            int version = 0;
            try (ResultSet rs = st.executeQuery("SELECT max(version) FROM " + q + ".meta")) {
                if (rs.next()) {
                    version = rs.getInt(1);
                }
            }
            if (version > VERSION) {
                c.rollback();
                throw new FerryException(ExitCode.USAGE, "the state schema \"" + schema + "\" on the target was written "
                        + "by a newer Ferry (version " + version + "); run that version, or pass another --state-schema");
            }
            if (version < 1) {
                st.execute("CREATE TABLE " + q + ".run (id int PRIMARY KEY DEFAULT 1 CHECK (id = 1), source text NOT NULL, "
                        + "source_system_id text NOT NULL, slot text NOT NULL, publication text NOT NULL, "
                        + "consistent_lsn pg_lsn NOT NULL, snapshot_name text, phase text NOT NULL, "
                        + "started_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())");
                st.execute("CREATE TABLE " + q + ".tables (source_schema text, source_name text, target_schema text NOT NULL, "
                        + "target_name text NOT NULL, state text NOT NULL DEFAULT 'pending', rows bigint NOT NULL DEFAULT 0, "
                        + "bytes bigint NOT NULL DEFAULT 0, seconds double precision, resync_lsn pg_lsn, "
                        + "PRIMARY KEY (source_schema, source_name))");
                st.execute("CREATE TABLE " + q + ".chunks (source_schema text, source_name text, chunk int, kind text NOT NULL, "
                        + "lower_bound text, upper_bound text, done boolean NOT NULL DEFAULT false, rows bigint NOT NULL DEFAULT 0, "
                        + "bytes bigint NOT NULL DEFAULT 0, PRIMARY KEY (source_schema, source_name, chunk))");
                st.execute("CREATE TABLE " + q + ".applied (worker int PRIMARY KEY, lsn pg_lsn NOT NULL, "
                        + "changes bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now())");
                st.execute("CREATE TABLE " + q + ".offsets (key text PRIMARY KEY, value text)");
                st.execute("CREATE TABLE " + q + ".switch (id int PRIMARY KEY DEFAULT 1 CHECK (id = 1), state text NOT NULL, "
                        + "fence_lsn pg_lsn, detail jsonb, updated_at timestamptz NOT NULL DEFAULT now())");
                st.execute("CREATE TABLE " + q + ".dead_letters (id bigserial PRIMARY KEY, lsn pg_lsn, table_name text, "
                        + "key text, transform text, message text, row_data jsonb, at timestamptz NOT NULL DEFAULT now())");
                st.execute("INSERT INTO " + q + ".meta VALUES (1)");
            }
            if (version < 2) {
                // Which snapshot each chunk was copied under (null: the slot's), unique indexes waiting for the
                // stream, and the slot a start is creating (so a start killed meanwhile does not leak it).
                st.execute("ALTER TABLE " + q + ".chunks ADD COLUMN snapshot_lsn pg_lsn");
                DeferredIndexes.createTable(st, q);
                st.execute("CREATE TABLE " + q + ".slot_intent (slot text PRIMARY KEY, source_system_id text NOT NULL, "
                        + "walsender_pid int NOT NULL, at timestamptz NOT NULL DEFAULT now())");
                st.execute("INSERT INTO " + q + ".meta VALUES (2)");
            }
            if (version < 3) {
                // Why the last stream stopped, for ferry status.
                st.execute("ALTER TABLE " + q + ".run ADD COLUMN IF NOT EXISTS stop_reason text, "
                        + "ADD COLUMN IF NOT EXISTS stopped_at timestamptz");
                st.execute("INSERT INTO " + q + ".meta VALUES (3)");
            }
            if (version < 4) {
                // Seconds spent in each snapshot step, summed over the runs that continued it.
                st.execute("CREATE TABLE " + q + ".steps (step text PRIMARY KEY, seconds double precision NOT NULL, "
                        + "updated_at timestamptz NOT NULL DEFAULT now())");
                st.execute("INSERT INTO " + q + ".meta VALUES (4)");
            }
            if (version < 5) {
                // The tables whose autovacuum the snapshot turned off while it loads them.
                AutovacuumPauses.createTable(st, q);
                st.execute("INSERT INTO " + q + ".meta VALUES (5)");
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
