package dev.ferry.snapshot.internal;

import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.SequenceInfo;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.core.catalog.TypeInfo;
import dev.ferry.core.ddl.DdlWriter;
import dev.ferry.core.objects.ObjectSteps;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates the target's types, sequences and tables before the copy (no key, no index: rows load fastest into a
 * bare heap). Every statement is idempotent, so a resumed run simply runs this again. Sequence values are
 * carried by {@link dev.ferry.switchover.Sequences}.
 */
public final class SchemaBuilder {
    private final Connection target;
    private final boolean inPlace;

    public SchemaBuilder(Connection target) {
        this(target, false);
    }

    /**
     * @param inPlace the target is the source's own database (docs/design.md, "In place"): its sequences are the
     *                source's, which the shadow tables use as they are and the swap re-owns
     */
    public SchemaBuilder(Connection target, boolean inPlace) {
        this.target = target;
        this.inPlace = inPlace;
    }

    /**
     * The extensions (name to schema) whose types the tables' columns use, read on the source: the target needs
     * them before the tables.
     */
    public static Map<String, String> extensions(Connection source, Collection<TableId> tables) {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement ps = source.prepareStatement("SELECT DISTINCT e.extname, n.nspname FROM pg_attribute a "
                + "JOIN pg_type t ON t.oid = a.atttypid "
                + "JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.deptype = 'e' AND d.objid IN "
                + "  (t.oid, t.typelem, t.typbasetype) "
                + "JOIN pg_extension e ON e.oid = d.refobjid JOIN pg_namespace n ON n.oid = e.extnamespace "
                + "WHERE a.attrelid IN (SELECT to_regclass(x) FROM unnest(?::text[]) x) AND a.attnum > 0 "
                + "AND NOT a.attisdropped ORDER BY 1")) {
            ps.setArray(1, source.createArrayOf("text", tables.stream().map(TableId::quoted).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("reading the extensions the tables use", "source", e);
        }
        return out;
    }

    /**
     * @param objects the objects around the tables, created around these steps (roles, schemas, extensions and
     *                collations before the types; functions and the like before the tables; views after them)
     */
    public void createTables(Catalog catalog, Map<TableId, TableWork> works, TransformChain chain,
                             Map<String, String> extensions, ObjectSteps objects) {
        Set<String> schemas = new LinkedHashSet<>(extensions.values());
        catalog.types().forEach(t -> schemas.add(t.schema()));
        catalog.sequences().forEach(s -> schemas.add(s.id().schema()));
        works.values().forEach(w -> schemas.add(w.targetId().schema()));
        for (String s : schemas) {
            exec(DdlWriter.createSchema(s), "creating schema " + s);
        }
        extensions.forEach((name, schema) -> exec("CREATE EXTENSION IF NOT EXISTS " + Identifiers.quote(name)
                + " WITH SCHEMA " + Identifiers.quote(schema), "creating extension " + name
                + " (its types are used by the tables; install it on the target server if it is missing)"));
        objects.beforeTypes(target);
        boolean created = false;
        for (String sql : chain.targetSetup()) {
            exec(sql, "preparing the target for the transforms");
            created = true;
        }
        for (TypeInfo t : catalog.types()) {
            exec(DdlWriter.createType(t), "creating type " + t.schema() + '.' + t.name());
            created = true;
        }
        for (SequenceInfo s : inPlace ? List.<SequenceInfo>of() : catalog.sequences()) {
            if (!s.identity()) {
                exec(DdlWriter.createSequence(s, sequenceType(s, works)), "creating sequence " + s.id());
                created = true;
            }
        }
        objects.beforeTables(target, created);
        for (TableWork w : works.values()) {
            TableInfo info = w.source();
            // A partition moved without its parent becomes a table of its own.
            TableId parent = info.parent() != null && works.containsKey(info.parent())
                    ? works.get(info.parent()).targetId() : null;
            List<SequenceInfo> identity = catalog.sequences().stream()
                    .filter(s -> s.identity() && w.id().equals(s.ownerTable())).toList();
            exec(DdlWriter.createTable(w.target(), info, parent, identity), "creating table " + w.targetId());
        }
        for (SequenceInfo s : inPlace ? List.<SequenceInfo>of() : catalog.sequences()) {
            if (!s.identity() && s.ownerTable() != null && works.containsKey(s.ownerTable())) {
                TableWork owner = works.get(s.ownerTable());
                if (owner.target().indexOf(s.ownerColumn()) >= 0) {
                    exec(DdlWriter.sequenceOwnedBy(s.id(), owner.targetId(), s.ownerColumn()),
                            "tying sequence " + s.id() + " to its column");
                }
            }
        }
        objects.afterTables(target);
    }

    /** The owning column's integer type on the target (a column widened to bigint widens its sequence). */
    private static String sequenceType(SequenceInfo s, Map<TableId, TableWork> works) {
        TableWork owner = s.ownerTable() == null ? null : works.get(s.ownerTable());
        if (owner != null) {
            String t = owner.target().column(s.ownerColumn()).map(Column::sequenceType).orElse(null);
            if (t != null) {
                return t;
            }
        }
        return s.type();
    }

    private void exec(String sql, String what) {
        try (Statement st = target.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw ServerErrors.during(what, "target", e);
        }
    }
}
