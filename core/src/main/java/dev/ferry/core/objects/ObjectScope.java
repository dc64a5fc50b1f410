package dev.ferry.core.objects;

import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TransformChain;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which objects a run carries: those of the schemas its tables live in.
 *
 * @param schemas     the migrated schemas (those of the migrated tables), on the side being read
 * @param tables      the migrated tables on the side being read, each with its name on the target (rename
 *                    transforms); objects hanging on other tables of those schemas are left out and named
 * @param reshaped    the tables (side being read) a transform reshapes: objects that depend on them are left out
 *                    and named, since their definitions name what the transform changed
 * @param stateSchema Ferry's schema, never carried
 * @param publication Ferry's publication on the source, never carried nor named
 */
public record ObjectScope(List<String> schemas, Map<TableId, TableId> tables, Set<TableId> reshaped,
                          String stateSchema, String publication) {

    public ObjectScope {
        schemas = List.copyOf(schemas);
        tables = Map.copyOf(tables);
        reshaped = Set.copyOf(reshaped);
    }

    /** The scope for the migrated tables ({@code source -> target} names) and the tables a transform reshapes. */
    public static ObjectScope of(Map<TableId, TableId> tables, Set<TableId> reshaped, String stateSchema,
                                 String publication) {
        Set<String> schemas = new LinkedHashSet<>();
        tables.keySet().forEach(t -> schemas.add(t.schema()));
        schemas.remove(stateSchema);
        return new ObjectScope(List.copyOf(schemas), tables, reshaped, stateSchema, publication);
    }

    /** The scope of a run over the tables of {@code catalog}, named on the target as {@code chain} maps them. */
    public static ObjectScope of(Catalog catalog, TransformChain chain, String stateSchema, String publication) {
        Map<TableId, TableId> tables = new LinkedHashMap<>();
        Set<TableId> reshaped = new LinkedHashSet<>();
        for (TableInfo t : catalog.tables().values()) {
            boolean through = chain.passesThrough(t.id());
            tables.put(t.id(), through ? t.id() : chain.mapSchema(t.schema()).id());
            if (!through) {
                reshaped.add(t.id());
            }
        }
        return of(tables, reshaped, stateSchema, publication);
    }

    /** The same objects as the target names them: its tables under their target names, nothing reshaped. */
    public ObjectScope onTarget() {
        Map<TableId, TableId> same = new LinkedHashMap<>();
        tables.values().forEach(t -> same.put(t, t));
        Set<String> s = new LinkedHashSet<>(schemas);
        tables.values().forEach(t -> s.add(t.schema()));
        s.remove(stateSchema);
        return new ObjectScope(List.copyOf(s), same, Set.of(), stateSchema, publication);
    }
}
