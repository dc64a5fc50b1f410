package dev.ferry.core.objects;

import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TableSchema;
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
 * @param keptColumns for reshaped tables, the columns that reach the target under the same name and type: their
 *                    comments and privileges are carried (those of the others are named instead)
 */
public record ObjectScope(List<String> schemas, Map<TableId, TableId> tables, Set<TableId> reshaped,
                          String stateSchema, String publication, Map<TableId, Set<String>> keptColumns) {

    public ObjectScope {
        schemas = List.copyOf(schemas);
        tables = Map.copyOf(tables);
        reshaped = Set.copyOf(reshaped);
        keptColumns = Map.copyOf(keptColumns);
    }

    /** The scope for the migrated tables ({@code source -> target} names) and the tables a transform reshapes. */
    public static ObjectScope of(Map<TableId, TableId> tables, Set<TableId> reshaped, String stateSchema,
                                 String publication) {
        return of(tables, reshaped, Map.of(), stateSchema, publication);
    }

    /** The same, with the columns of reshaped tables that keep their name and type ({@link #kept}). */
    public static ObjectScope of(Map<TableId, TableId> tables, Set<TableId> reshaped, Map<TableId, Set<String>> kept,
                                 String stateSchema, String publication) {
        Set<String> schemas = new LinkedHashSet<>();
        tables.keySet().forEach(t -> schemas.add(t.schema()));
        schemas.remove(stateSchema);
        return new ObjectScope(List.copyOf(schemas), tables, reshaped, stateSchema, publication, kept);
    }

    /** The columns of {@code source} that {@code target} (its shape after the transforms) has with the same type. */
    public static Set<String> kept(TableSchema source, TableSchema target) {
        Set<String> out = new LinkedHashSet<>();
        for (Column c : source.columns()) {
            if (target.column(c.name()).filter(t -> t.type().equals(c.type())).isPresent()) {
                out.add(c.name());
            }
        }
        return out;
    }

    /** The scope of a run over the tables of {@code catalog}, named on the target as {@code chain} maps them. */
    public static ObjectScope of(Catalog catalog, TransformChain chain, String stateSchema, String publication) {
        Map<TableId, TableId> tables = new LinkedHashMap<>();
        Set<TableId> reshaped = new LinkedHashSet<>();
        Map<TableId, Set<String>> kept = new LinkedHashMap<>();
        for (TableInfo t : catalog.tables().values()) {
            boolean through = chain.passesThrough(t.id());
            TableSchema mapped = through ? t.schema() : chain.mapSchema(t.schema());
            tables.put(t.id(), mapped.id());
            if (!through) {
                reshaped.add(t.id());
                kept.put(t.id(), kept(t.schema(), mapped));
            }
        }
        return of(tables, reshaped, kept, stateSchema, publication);
    }

    /** The same objects as the target names them: its tables under their target names, nothing reshaped. */
    public ObjectScope onTarget() {
        Map<TableId, TableId> same = new LinkedHashMap<>();
        tables.values().forEach(t -> same.put(t, t));
        Set<String> s = new LinkedHashSet<>(schemas);
        tables.values().forEach(t -> s.add(t.schema()));
        s.remove(stateSchema);
        return new ObjectScope(List.copyOf(s), same, Set.of(), stateSchema, publication, Map.of());
    }
}
