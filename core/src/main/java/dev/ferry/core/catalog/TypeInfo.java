package dev.ferry.core.catalog;

import java.util.List;

/**
 * A user-defined type a migrated table uses.
 *
 * @param kind    what it is
 * @param labels  enum labels in order (enums only)
 * @param baseType the domain's base type, or for a range its subtype
 * @param definition for domains: {@code NOT NULL} and {@code CHECK} clauses; for composites: the attribute list
 *                {@code (a integer, b text)}
 * @param dependsOn qualified names of other user-defined types this one uses, created first
 */
public record TypeInfo(String schema, String name, Kind kind, List<String> labels, String baseType,
                       String definition, List<String> dependsOn) {
    public enum Kind { ENUM, DOMAIN, COMPOSITE, RANGE }

    public String qualifiedName() {
        return dev.ferry.transforms.Identifiers.quote(schema) + '.' + dev.ferry.transforms.Identifiers.quote(name);
    }
}
