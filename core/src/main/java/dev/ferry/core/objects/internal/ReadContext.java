package dev.ferry.core.objects.internal;

import dev.ferry.core.objects.ObjectScope;
import dev.ferry.transforms.TableId;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One read of one server's objects: the connection (its search_path empty, so every name comes out qualified) and
 * the scope resolved to OIDs there.
 */
final class ReadContext {
    final Connection c;
    final ObjectScope scope;
    final int major;
    /** The scope's tables by OID, each with its target name. */
    final Map<Long, TableId> tables = new LinkedHashMap<>();
    /** OIDs of scope tables a transform reshapes. */
    final Set<Long> reshaped = new LinkedHashSet<>();
    /** Of those, by OID, the columns that keep their name and type. */
    final Map<Long, Set<String>> keptColumns = new LinkedHashMap<>();

    ReadContext(Connection c, ObjectScope scope) throws SQLException {
        this.c = c;
        this.scope = scope;
        this.major = c.getMetaData().getDatabaseMajorVersion();
        for (Map.Entry<TableId, TableId> e : scope.tables().entrySet()) {
            Long oid = Query.rows(c, "SELECT to_regclass(?)::oid::int8", rs -> (Long) rs.getObject(1),
                    e.getKey().quoted()).get(0);
            if (oid != null) {
                tables.put(oid, e.getValue());
                if (scope.reshaped().contains(e.getKey())) {
                    reshaped.add(oid);
                    keptColumns.put(oid, scope.keptColumns().getOrDefault(e.getKey(), Set.of()));
                }
            }
        }
    }

    Array schemas() throws SQLException {
        return c.createArrayOf("text", scope.schemas().toArray());
    }

    Array tableOids() throws SQLException {
        return c.createArrayOf("int8", tables.keySet().toArray());
    }

    /** A condition: the object ({@code catalog} row {@code oid}) is not a member of an extension. */
    static String notInExtension(String catalog, String oid) {
        return "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" + catalog + "'::regclass AND e.objid = "
                + oid + " AND e.deptype = 'e')";
    }

    /** The catalog's OID, to key dependency order. */
    long classId(String catalog) throws SQLException {
        return Query.rows(c, "SELECT ?::regclass::oid::int8", rs -> rs.getLong(1), catalog).get(0);
    }
}
