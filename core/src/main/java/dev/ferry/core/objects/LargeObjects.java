package dev.ferry.core.objects;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.FerryException;
import dev.ferry.core.Queries;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.objects.SchemaObject.Kind;
import dev.ferry.core.objects.SchemaObject.Stage;
import dev.ferry.core.objects.internal.Acl;
import dev.ferry.core.objects.internal.Roles;
import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Large objects ({@code pg_largeobject}), which logical replication does not carry: copied with their OIDs (the
 * application's {@code oid} columns point at them), owners, privileges and comments by the snapshot, and again by
 * {@code ferry switch --large-objects}, which copies only those whose content (an md5 per object, computed by each
 * server) or metadata differs. Content moves in chunks of {@link #CHUNK} bytes, each object in one target
 * transaction, so a reader of the target never sees half of one; the source is read in one REPEATABLE READ
 * transaction, so one pass copies one consistent state.
 */
public final class LargeObjects {
    static final int CHUNK = 1 << 20;

    /**
     * What one pass did.
     *
     * @param written   objects created or rewritten on the target
     * @param removed   objects unlinked on the target because the source no longer has them
     * @param unchanged objects whose content was equal already
     * @param bytes     content bytes written
     * @param millis    how long the pass took, both servers' hashing included
     */
    public record Pass(int written, int removed, int unchanged, long bytes, long millis) {
        public String describe() {
            return written + " large object(s) copied (" + bytes + " bytes), " + removed + " removed, " + unchanged
                    + " unchanged, in " + millis + " ms";
        }
    }

    private record Entry(long oid, String owner, List<String> acl, String comment, String md5) {}

    private LargeObjects() {}

    /** How many large objects the database holds. */
    public static long count(Connection c) throws SQLException {
        return Queries.rows(c, "SELECT count(*) FROM pg_largeobject_metadata", rs -> rs.getLong(1)).get(0);
    }

    /**
     * Makes the target's large objects the source's.
     *
     * @param removeGone unlink target objects the source no longer has (the switch's passes; the snapshot's first
     *                   pass leaves objects the target had of its own)
     */
    public static Pass copy(ConnectionSpec source, ConnectionSpec target, ObjectOptions options, boolean removeGone,
                            Consumer<String> log) {
        long t0 = System.nanoTime();
        try (Connection s = Db.open(source, "source", "large objects"); Connection t = Db.open(target, "target", "large objects")) {
            s.setAutoCommit(false);
            s.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            s.setReadOnly(true);
            Map<Long, Entry> src = read(s, "source", true);
            Map<Long, Entry> tgt = read(t, "target", true);
            roles(s, t, src.values(), options, log);
            t.setAutoCommit(false);
            int written = 0;
            int unchanged = 0;
            long bytes = 0;
            for (Entry e : src.values()) {
                Entry have = tgt.get(e.oid());
                if (have != null && Objects.equals(have.md5(), e.md5())) {
                    unchanged++;
                    continue;
                }
                bytes += write(s, t, e.oid(), have != null);
                written++;
            }
            int removed = 0;
            if (removeGone) {
                for (long oid : tgt.keySet()) {
                    if (!src.containsKey(oid)) {
                        exec(t, "SELECT lo_unlink(" + oid + ")", "removing large object " + oid);
                        removed++;
                    }
                }
                t.commit();
            }
            metadata(t, src.values(), read(t, "target", false), options);
            s.commit();
            return new Pass(written, removed, unchanged, bytes, (System.nanoTime() - t0) / 1_000_000);
        } catch (SQLException e) {
            throw ServerErrors.during("copying large objects", "target", e);
        }
    }

    /** The OIDs whose content differs between the servers, or that only one of them has. */
    public static List<Long> differing(ConnectionSpec source, ConnectionSpec target) {
        try (Connection s = Db.open(source, "source", "large objects"); Connection t = Db.open(target, "target", "large objects")) {
            Map<Long, Entry> src = read(s, "source", true);
            Map<Long, Entry> tgt = read(t, "target", true);
            Set<Long> all = new java.util.TreeSet<>(src.keySet());
            all.addAll(tgt.keySet());
            List<Long> out = new ArrayList<>();
            for (long oid : all) {
                Entry a = src.get(oid);
                Entry b = tgt.get(oid);
                if (a == null || b == null || !Objects.equals(a.md5(), b.md5())) {
                    out.add(oid);
                }
            }
            return out;
        } catch (SQLException e) {
            throw ServerErrors.during("closing a connection", "target", e);
        }
    }

    private static Map<Long, Entry> read(Connection c, String role, boolean withContent) {
        try {
            Map<Long, Entry> out = new LinkedHashMap<>();
            for (Entry e : Queries.rows(c, "SELECT m.oid::int8, pg_get_userbyid(m.lomowner), "
                    + Acl.items("m.lomacl", 'L', "m.lomowner") + ", obj_description(m.oid, 'pg_largeobject'), "
                    + (withContent ? "md5(lo_get(m.oid))" : "NULL") + " FROM pg_largeobject_metadata m ORDER BY 1",
                    rs -> new Entry(rs.getLong(1), rs.getString(2), List.of((String[]) rs.getArray(3).getArray()),
                            rs.getString(4), rs.getString(5)))) {
                out.put(e.oid(), e);
            }
            return out;
        } catch (SQLException e) {
            throw ServerErrors.during("reading the large objects (Ferry's role needs SELECT on each, or superuser)",
                    role, e);
        }
    }

    /** The roles the large objects name: owners unless --no-owner, grantees unless --no-privileges. */
    public static Set<String> roles(Connection source, ObjectOptions options) {
        return roles(read(source, "source", false).values(), options);
    }

    private static Set<String> roles(Iterable<Entry> entries, ObjectOptions options) {
        Set<String> wanted = new LinkedHashSet<>();
        for (Entry e : entries) {
            if (!options.noOwner()) {
                wanted.add(e.owner());
            }
            if (!options.noPrivileges()) {
                wanted.addAll(Acl.roles(e.acl()));
            }
        }
        return wanted;
    }

    /** The owners and grantees the target lacks: created under --create-roles, refused otherwise. */
    private static void roles(Connection s, Connection t, Iterable<Entry> entries, ObjectOptions options,
                              Consumer<String> log) throws SQLException {
        List<String> missing = Roles.missing(t, roles(entries, options));
        if (missing.isEmpty()) {
            return;
        }
        if (!options.createRoles()) {
            throw FerryException.usage(ObjectMigration.missingRolesSentence(missing));
        }
        Roles.create(s, t, missing, log);
    }

    /** Creates (or empties) one object on the target under its OID and copies its content; returns the bytes. */
    private static long write(Connection s, Connection t, long oid, boolean exists) throws SQLException {
        if (exists) {
            exec(t, "SELECT lo_unlink(" + oid + ")", "rewriting large object " + oid);
        }
        exec(t, "SELECT lo_create(" + oid + ")", "creating large object " + oid);
        long offset = 0;
        while (true) {
            byte[] chunk;
            try {
                chunk = Queries.rows(s, "SELECT lo_get(?::oid, ?, ?)", rs -> rs.getBytes(1), oid, offset, CHUNK).get(0);
            } catch (SQLException e) {
                throw ServerErrors.during("reading large object " + oid, "source", e);
            }
            if (chunk.length > 0) {
                Queries.rows(t, "SELECT lo_put(?::oid, ?, ?)", rs -> 1, oid, offset, chunk);
            }
            offset += chunk.length;
            if (chunk.length < CHUNK) {
                break;
            }
        }
        t.commit();
        return offset;
    }

    /** Owners, privileges and comments where the target's differ. */
    private static void metadata(Connection t, Iterable<Entry> source, Map<Long, Entry> target, ObjectOptions options)
            throws SQLException {
        for (Entry e : source) {
            Entry have = target.get(e.oid());
            String what = "large object " + e.oid();
            if (!options.noOwner() && !e.owner().equals(have.owner())) {
                exec(t, "ALTER LARGE OBJECT " + e.oid() + " OWNER TO " + Identifiers.quote(e.owner()), "giving " + what
                        + " its owner " + e.owner());
            }
            if (!options.noPrivileges() && !e.acl().equals(have.acl())) {
                SchemaObject o = new SchemaObject(Kind.LARGE_OBJECT, String.valueOf(e.oid()), null, null, null, List.of(),
                        e.owner(), e.acl(), false, null, Stage.EXISTING, 0, e.oid(), null, false);
                for (String sql : Acl.grants(o, !options.noOwner())) {
                    exec(t, sql, "granting the privileges of " + what);
                }
            }
            if (!Objects.equals(e.comment(), have.comment())) {
                exec(t, "COMMENT ON LARGE OBJECT " + e.oid() + " IS " + (e.comment() == null ? "NULL"
                        : Identifiers.literal(e.comment())), "commenting " + what);
            }
        }
        t.commit();
    }

    private static void exec(Connection t, String sql, String what) {
        try (Statement st = t.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw ServerErrors.during(what, "target", e);
        }
    }
}
