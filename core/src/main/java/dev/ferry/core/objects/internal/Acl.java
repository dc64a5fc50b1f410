package dev.ferry.core.objects.internal;

import dev.ferry.core.objects.SchemaObject;
import dev.ferry.transforms.Identifiers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Privileges, read as {@code grantee:PRIVILEGE} items through {@code aclexplode} (PostgreSQL's own parser of its
 * ACL arrays) and written back as GRANT statements. An object whose ACL is PostgreSQL's default needs none.
 */
public final class Acl {
    private Acl() {}

    /**
     * SQL for the sorted items of an ACL column, the default ({@code acldefault(type, owner)}) standing in for NULL,
     * so two servers compare item by item.
     */
    public static String items(String acl, char type, String owner) {
        return items("coalesce(" + acl + ", acldefault('" + type + "', " + owner + "))");
    }

    /** SQL for the sorted items of an ACL expression. */
    static String items(String aclExpression) {
        return "ARRAY(SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END || ':' "
                + "|| x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END FROM aclexplode("
                + aclExpression + ") x ORDER BY 1)";
    }

    /** The grantee of an item, null for PUBLIC. */
    static String grantee(String item) {
        String g = item.substring(0, item.lastIndexOf(':'));
        return g.equals("PUBLIC") ? null : g;
    }

    /** The roles an ACL names. */
    public static List<String> roles(List<String> acl) {
        List<String> out = new ArrayList<>();
        if (acl != null) {
            for (String i : acl) {
                String g = grantee(i);
                if (g != null && !out.contains(g)) {
                    out.add(g);
                }
            }
        }
        return out;
    }

    /**
     * The statements that give {@code o} exactly its privileges: everything revoked, then granted item by item.
     *
     * @param withOwner false under --no-owner: the owner's own items are left to whoever owns it on the target
     */
    public static List<String> grants(SchemaObject o, boolean withOwner) {
        String kw = o.kind().grantKeyword();
        if (o.acl() == null || o.defaultAcl() || kw == null) {
            return List.of();
        }
        String on = " ON " + kw + " " + o.identity();
        List<String> out = new ArrayList<>();
        out.add("REVOKE ALL" + on + " FROM PUBLIC");
        if (withOwner && o.owner() != null) {
            out.add("REVOKE ALL" + on + " FROM " + Identifiers.quote(o.owner()));
        }
        out.addAll(grantItems(o.acl(), on, withOwner ? null : o.owner(), null));
        return out;
    }

    /** Column privileges are added to the table's: nothing to revoke first. */
    static List<String> columnGrants(SchemaObject column, String tableIdentity) {
        if (column.acl() == null || column.acl().isEmpty()) {
            return List.of();
        }
        return grantItems(column.acl(), " ON TABLE " + tableIdentity, null, Identifiers.quote(column.name()));
    }

    /**
     * GRANT statements for the items, one per grantee and grant option.
     *
     * @param skipRole a role whose items are left out, or null
     * @param column   a quoted column name for column privileges, or null
     */
    static List<String> grantItems(List<String> acl, String on, String skipRole, String column) {
        Map<String, List<String>> byGrantee = new LinkedHashMap<>();
        for (String item : acl) {
            String grantee = grantee(item);
            if (skipRole != null && skipRole.equals(grantee)) {
                continue;
            }
            boolean grantable = item.endsWith("*");
            String privilege = item.substring(item.lastIndexOf(':') + 1).replace("*", "");
            String to = (grantee == null ? "PUBLIC" : Identifiers.quote(grantee)) + (grantable ? " WITH GRANT OPTION" : "");
            byGrantee.computeIfAbsent(to, k -> new ArrayList<>()).add(column == null ? privilege : privilege + " (" + column + ")");
        }
        List<String> out = new ArrayList<>();
        byGrantee.forEach((to, privileges) -> out.add("GRANT " + String.join(", ", privileges) + on + " TO " + to));
        return out;
    }
}
