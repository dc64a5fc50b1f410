package dev.ferry.core.check;

import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The source's prerequisites: server settings, the user's rights, open transactions, the chosen tables. */
final class SourceChecks {
    /** One slot for the run. */
    static final int SLOTS_NEEDED = 1;
    /** One WAL sender holds the exported snapshot while the copy runs, another streams. */
    static final int SENDERS_NEEDED = 2;
    /** Publication the start command creates; when it exists already, nobody needs to own the tables. */
    static final String PUBLICATION = "ferry_pub";
    /** Column types whose values are OIDs of functions or operators: numbers that mean nothing elsewhere. */
    static final Set<String> OID_TYPES = Set.of("oid", "regproc", "regprocedure", "regoper", "regoperator");

    private final Connection c;
    private final Duration longTransaction;
    private final List<Problem> out;
    private String user;
    private boolean superuser;

    SourceChecks(Connection c, Duration longTransaction, List<Problem> out) {
        this.c = c;
        this.longTransaction = longTransaction;
        this.out = out;
    }

    /** Who Ferry is on the source; the other checks name this user in their fixes. */
    void identify() throws SQLException {
        Sql.row(c, "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user", rs -> {
            user = rs.getString(1);
            superuser = rs.getBoolean(2);
            return user;
        });
    }

    /**
     * Version, standby, wal_level, free slots and senders, and what existing slots retain.
     *
     * @param ownSlot the slot of a run Ferry already recorded, which a resumed run reuses; null when none
     */
    void server(String ownSlot) throws SQLException {
        record Settings(int version, boolean recovery, String walLevel, int maxSlots, int usedSlots, int maxSenders,
                        int usedSenders, String keepSize, long keepBytes) {}
        Settings s = Sql.row(c, "SELECT current_setting('server_version_num')::int, pg_is_in_recovery(), "
                + "current_setting('wal_level'), current_setting('max_replication_slots')::int, "
                + "(SELECT count(*) FROM pg_replication_slots WHERE slot_name IS DISTINCT FROM ?)::int, "
                + "current_setting('max_wal_senders')::int, "
                + "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender')::int, "
                + "current_setting('max_slot_wal_keep_size', true), "
                + "CASE WHEN current_setting('max_slot_wal_keep_size', true) NOT IN ('-1', '') "
                + "     THEN pg_size_bytes(current_setting('max_slot_wal_keep_size', true)) ELSE -1 END",
                rs -> new Settings(rs.getInt(1), rs.getBoolean(2), rs.getString(3), rs.getInt(4), rs.getInt(5),
                        rs.getInt(6), rs.getInt(7), rs.getString(8), rs.getLong(9)), ownSlot);
        if (s.version() < 100000) {
            out.add(Problem.problem("version", "the source runs PostgreSQL " + s.version() / 10000
                    + ", but Ferry needs PostgreSQL 10 or later for logical decoding with pgoutput; upgrade the source"));
        }
        if (s.recovery()) {
            out.add(Problem.problem("standby", "the source is a standby (in recovery), where Ferry can neither create "
                    + "its publication nor hold writes for the switch; point --source at the primary"));
        }
        if (!s.walLevel().equals("logical")) {
            out.add(Problem.problem("wal_level", "wal_level on the source is " + s.walLevel()
                    + ", but Ferry needs logical decoding; run ALTER SYSTEM SET wal_level = logical on the source "
                    + "and restart it"));
        }
        int freeSlots = s.maxSlots() - s.usedSlots();
        if (freeSlots < SLOTS_NEEDED) {
            out.add(Problem.problem("replication_slots", "the source has no free replication slot (max_replication_slots = "
                    + s.maxSlots() + ", " + s.usedSlots() + " in use); raise max_replication_slots and restart the "
                    + "source, or drop a slot nothing uses with SELECT pg_drop_replication_slot('name')"));
        }
        int freeSenders = s.maxSenders() - s.usedSenders();
        if (freeSenders < SENDERS_NEEDED) {
            out.add(Problem.problem("wal_senders", "the source has " + Math.max(freeSenders, 0) + " free WAL sender"
                    + (freeSenders == 1 ? "" : "s") + " but Ferry needs " + SENDERS_NEEDED
                    + " (one holds the snapshot while another streams; max_wal_senders = " + s.maxSenders() + ", "
                    + s.usedSenders() + " in use); raise max_wal_senders and restart the source"));
        }
        if (!s.recovery()) {
            retainedWal(s.keepSize(), s.keepBytes());
        }
    }

    /**
     * max_slot_wal_keep_size caps how far a slot may fall behind before the source drops the WAL it needs: a
     * long snapshot under a small cap loses its slot and must start over. Existing slots show how much WAL the
     * source already keeps.
     */
    private void retainedWal(String keepSize, long keepBytes) throws SQLException {
        record Slot(String name, boolean active, long retained) {}
        List<Slot> slots = Sql.rows(c, "SELECT slot_name, active, "
                + "pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::int8 FROM pg_replication_slots "
                + "WHERE restart_lsn IS NOT NULL ORDER BY 3 DESC",
                rs -> new Slot(rs.getString(1), rs.getBoolean(2), rs.getLong(3)));
        long retained = slots.stream().mapToLong(Slot::retained).sum();
        List<String> named = slots.stream().map(sl -> "\"" + sl.name() + "\" " + Sql.bytes(sl.retained())).toList();
        if (keepBytes > 0) {
            if (retained * 2 >= keepBytes) {
                out.add(Problem.warning("max_slot_wal_keep_size", "max_slot_wal_keep_size on the source is " + keepSize
                        + " and existing slots already retain " + Sql.bytes(retained) + " of WAL (" + Sql.list(named, 3)
                        + "), so Ferry's slot may be invalidated if the copy or the stream falls behind; raise "
                        + "max_slot_wal_keep_size (or set it to -1) or drop slots nothing uses"));
            } else {
                out.add(Problem.info("max_slot_wal_keep_size", "max_slot_wal_keep_size on the source is " + keepSize
                        + " (existing slots retain " + Sql.bytes(retained) + "): if Ferry falls further behind than "
                        + "that, the source drops its WAL and the run must start over; raise it for a long snapshot"));
            }
        }
        for (Slot sl : slots) {
            if (!sl.active() && sl.retained() >= 1024L * 1024 * 1024) {
                out.add(Problem.warning("inactive_slot", "replication slot \"" + sl.name() + "\" on the source is "
                        + "inactive and retains " + Sql.bytes(sl.retained()) + " of WAL, which fills the disk while "
                        + "Ferry runs; drop it with SELECT pg_drop_replication_slot('" + sl.name().replace("'", "''")
                        + "') if nothing uses it"));
            }
        }
    }

    /** Transactions that would make slot creation wait, or hold back vacuum for the whole run. */
    void sessions() throws SQLException {
        record Session(int pid, String user, String db, String state, long ageSeconds, String queryStart,
                       boolean xid, String query) {}
        List<Session> sessions = Sql.rows(c, "SELECT pid, usename, datname, state, "
                + "extract(epoch FROM now() - xact_start)::int8, "
                + "to_char(query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', "
                + "backend_xid IS NOT NULL, regexp_replace(left(query, 60), '\\s+', ' ', 'g') "
                + "FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' "
                + "AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL) "
                + "AND xact_start < now() - make_interval(secs => ?) ORDER BY xact_start",
                rs -> new Session(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                        rs.getString(6), rs.getBoolean(7), rs.getString(8)),
                (double) longTransaction.toSeconds());
        for (Session s : sessions) {
            String who = "session " + s.pid() + " (user \"" + s.user() + "\", database \"" + s.db() + "\") on the source "
                    + "has had a transaction open for " + s.ageSeconds() + " s (" + s.state() + ", query started "
                    + s.queryStart() + ": " + s.query() + ")";
            if (s.xid()) {
                out.add(Problem.problem("long_transaction", who + ", and creating Ferry's slot waits until it ends; "
                        + "let it finish, commit it, or end it with SELECT pg_terminate_backend(" + s.pid() + ")"));
            } else {
                out.add(Problem.warning("old_snapshot", who + " and holds an old snapshot, which does not delay the "
                        + "slot but holds back vacuum; end it if it is forgotten (SELECT pg_terminate_backend("
                        + s.pid() + "))"));
            }
        }
        preparedTransactions();
        boolean seesAll = superuser || Sql.row(c, "SELECT pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')",
                rs -> rs.getBoolean(1));
        if (!seesAll) {
            out.add(Problem.info("sessions_hidden", "user \"" + user + "\" cannot see other users' sessions on the "
                    + "source, so their long transactions were not checked; GRANT pg_read_all_stats TO "
                    + Identifiers.quote(user) + " to include them"));
        }
    }

    /** A prepared (two-phase) transaction holds its xid until someone commits or rolls it back, even forever. */
    private void preparedTransactions() throws SQLException {
        record Prepared(String gid, String owner, String db, long ageSeconds) {}
        for (Prepared p : Sql.rows(c, "SELECT gid, owner, database, extract(epoch FROM now() - prepared)::int8 "
                        + "FROM pg_prepared_xacts WHERE prepared < now() - make_interval(secs => ?) ORDER BY prepared",
                rs -> new Prepared(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)),
                (double) longTransaction.toSeconds())) {
            String gid = Identifiers.literal(p.gid());
            out.add(Problem.problem("prepared_transaction", "prepared transaction " + gid + " (user \"" + p.owner()
                    + "\", database \"" + p.db() + "\") on the source has been waiting for " + p.ageSeconds()
                    + " s, and creating Ferry's slot waits until it ends; run COMMIT PREPARED " + gid
                    + " or ROLLBACK PREPARED " + gid + " in that database"));
        }
    }

    /** The REPLICATION attribute, or the cloud providers' equivalent. */
    void replicationRight() throws SQLException {
        record Role(boolean replication, boolean rdsReplication, boolean rds, boolean cloudSql) {}
        Role r = Sql.row(c, "SELECT r.rolreplication, "
                + "EXISTS (SELECT 1 FROM pg_roles x WHERE x.rolname = 'rds_replication' "
                + "        AND pg_has_role(current_user, x.oid, 'MEMBER')), "
                + "EXISTS (SELECT 1 FROM pg_roles x WHERE x.rolname = 'rds_superuser'), "
                + "EXISTS (SELECT 1 FROM pg_roles x WHERE x.rolname = 'cloudsqlsuperuser') "
                + "FROM pg_roles r WHERE r.rolname = current_user",
                rs -> new Role(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3), rs.getBoolean(4)));
        if (superuser || r.replication() || r.rdsReplication()) {
            return;
        }
        String q = Identifiers.quote(user);
        String fix = r.rds() ? "on RDS run GRANT rds_replication TO " + q + " as the master user"
                : r.cloudSql() ? "on Cloud SQL run ALTER USER " + q + " WITH REPLICATION as a cloudsqlsuperuser"
                : "run ALTER ROLE " + q + " WITH REPLICATION as a superuser (or the cloud's administrator role)";
        out.add(Problem.problem("replication_privilege", "user \"" + user + "\" on the source lacks the REPLICATION "
                + "privilege, which creating and reading a replication slot needs; " + fix));
    }

    /** Wanted tables that exist, SELECT on each, a way to match rows, and who may publish them. */
    void tables(Catalog catalog, List<TableId> missing) throws SQLException {
        for (TableId t : missing) {
            out.add(Problem.problem("missing_table", "table " + t + " given in --tables does not exist on the source; "
                    + "check its spelling (quote names with capitals, e.g. '\"Sales\".\"Orders\"')"));
        }
        if (catalog.tables().isEmpty()) {
            out.add(Problem.problem("no_tables", "the source has no tables to copy; check the database in --source "
                    + "and --tables"));
            return;
        }
        for (TableInfo t : catalog.tables().values()) {
            CaseOnlyColumns.problem(t.schema()).ifPresent(m -> out.add(Problem.problem("case_only_columns", m)));
        }
        List<TableId> ids = new ArrayList<>(catalog.tables().keySet());
        record Access(TableId table, boolean usage, boolean select, boolean owner) {}
        List<Access> access = Sql.rows(c, "SELECT w.s, w.t, has_schema_privilege(n.oid, 'USAGE'), "
                + "has_table_privilege(r.oid, 'SELECT'), pg_has_role(r.relowner, 'USAGE') "
                + "FROM unnest(?::text[], ?::text[]) AS w(s, t) JOIN pg_namespace n ON n.nspname = w.s "
                + "JOIN pg_class r ON r.relnamespace = n.oid AND r.relname = w.t",
                rs -> new Access(new TableId(rs.getString(1), rs.getString(2)), rs.getBoolean(3), rs.getBoolean(4),
                        rs.getBoolean(5)),
                Sql.textArray(c, ids.stream().map(TableId::schema).toList()),
                Sql.textArray(c, ids.stream().map(TableId::name).toList()));
        String q = Identifiers.quote(user);
        Map<String, List<String>> noUsage = new LinkedHashMap<>();
        for (Access a : access) {
            if (!a.usage()) {
                noUsage.computeIfAbsent(a.table().schema(), k -> new ArrayList<>()).add(a.table().toString());
            } else if (!a.select()) {
                out.add(Problem.problem("select_privilege", "user \"" + user + "\" cannot read table " + a.table()
                        + " on the source; run GRANT SELECT ON " + a.table().quoted() + " TO " + q));
            }
        }
        noUsage.forEach((schema, tables) -> out.add(Problem.problem("schema_usage", "user \"" + user + "\" cannot "
                + "use schema " + schema + " on the source, so it cannot read " + Sql.list(tables, 3) + "; run GRANT "
                + "USAGE ON SCHEMA " + Identifiers.quote(schema) + " TO " + q + " and GRANT SELECT on its tables")));
        if (!superuser && !publicationExists()) {
            List<String> notOwned = access.stream().filter(a -> !a.owner()).map(a -> a.table().toString()).toList();
            if (!notOwned.isEmpty()) {
                out.add(Problem.problem("publication_owner", "user \"" + user + "\" does not own "
                        + Sql.list(notOwned, 3) + " on the source, and only a table's owner may add it to a "
                        + "publication; run Ferry as the owner, or have the owner run CREATE PUBLICATION " + PUBLICATION
                        + " FOR TABLE ... beforehand"));
            }
        }
        for (TableInfo t : catalog.dataTables()) {
            replicaIdentity(t);
        }
    }

    private boolean publicationExists() throws SQLException {
        return Sql.row(c, "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = ?)", rs -> rs.getBoolean(1),
                PUBLICATION);
    }

    /** Updates and deletes reach the target matched by key, or by every column under REPLICA IDENTITY FULL. */
    private void replicaIdentity(TableInfo t) {
        TableId id = t.id();
        if (t.replicaIdentity() == 'n') {
            out.add(Problem.problem("replica_identity", "table " + id + " on the source has REPLICA IDENTITY NOTHING, "
                    + "so its updates and deletes would fail once it is published; run ALTER TABLE " + id.quoted()
                    + " REPLICA IDENTITY " + (t.schema().hasKey() ? "DEFAULT" : "FULL")));
        } else if (!t.replicable()) {
            out.add(Problem.problem("replica_identity", "table " + id + " on the source has neither a primary key nor "
                    + "REPLICA IDENTITY FULL, so its updates and deletes cannot be matched on the target; add a "
                    + "primary key or run ALTER TABLE " + id.quoted() + " REPLICA IDENTITY FULL"));
        }
    }

    /**
     * Every type each column is built from, through arrays, domains and composites: what the type checks on
     * both sides look at.
     */
    List<ColumnType> columnTypes(Catalog catalog) throws SQLException {
        List<TableId> ids = new ArrayList<>(catalog.tables().keySet());
        return Sql.rows(c, "WITH RECURSIVE cols AS ("
                + "  SELECT w.s, w.t, a.attname, format_type(a.atttypid, a.atttypmod) AS shown, a.atttypid AS typ "
                + "  FROM unnest(?::text[], ?::text[]) AS w(s, t) JOIN pg_namespace n ON n.nspname = w.s "
                + "  JOIN pg_class r ON r.relnamespace = n.oid AND r.relname = w.t "
                + "  JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped"
                + "), reach AS ("
                + "  SELECT s, t, attname, shown, typ FROM cols "
                + "  UNION "
                + "  SELECT h.s, h.t, h.attname, h.shown, nx.typ FROM reach h JOIN pg_type ty ON ty.oid = h.typ "
                + "  CROSS JOIN LATERAL ("
                + "    SELECT ty.typelem AS typ WHERE ty.typcategory = 'A' AND ty.typelem <> 0 "
                + "    UNION ALL SELECT ty.typbasetype WHERE ty.typtype = 'd' "
                + "    UNION ALL SELECT ca.atttypid FROM pg_attribute ca WHERE ty.typtype = 'c' "
                + "      AND ca.attrelid = ty.typrelid AND ca.attnum > 0 AND NOT ca.attisdropped) nx"
                + ") "
                + "SELECT h.s, h.t, h.attname, h.shown, tn.nspname, ty.typname, e.extname "
                + "FROM reach h JOIN pg_type ty ON ty.oid = h.typ JOIN pg_namespace tn ON tn.oid = ty.typnamespace "
                + "LEFT JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = ty.oid AND d.deptype = 'e' "
                + "LEFT JOIN pg_extension e ON e.oid = d.refobjid "
                + "ORDER BY 1, 2, 3",
                rs -> new ColumnType(new TableId(rs.getString(1), rs.getString(2)), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7)),
                Sql.textArray(c, ids.stream().map(TableId::schema).toList()),
                Sql.textArray(c, ids.stream().map(TableId::name).toList()));
    }

    /** Columns whose values are the source's object numbers: they cannot mean the same on the target. */
    void unsupportedTypes(List<ColumnType> types) {
        for (ColumnType t : types) {
            if (t.schema().equals("pg_catalog") && OID_TYPES.contains(t.name())) {
                String why = t.name().equals("oid")
                        ? "whose values are object numbers that mean nothing on another server (large objects are "
                                + "not carried)"
                        : "whose values name functions or operators by the source's object numbers, which Ferry "
                                + "does not map";
                out.add(Problem.problem("column_type", "column " + t.columnName() + " on the source has type "
                        + t.shownType() + (t.shownType().equals(t.name()) ? "" : " (built on " + t.name() + ")") + ", "
                        + why + "; change it to a type that holds the value itself (bigint, bytea or text) or "
                        + "leave " + t.table() + " out of --tables"));
            }
        }
    }
}
