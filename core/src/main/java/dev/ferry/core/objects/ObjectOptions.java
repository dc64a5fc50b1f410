package dev.ferry.core.objects;

/**
 * How the objects around the tables are carried.
 *
 * @param createRoles  create the roles the objects need (owners, grantees) that the target lacks, without
 *                     passwords, with their memberships and settings, and the database's own settings
 * @param noOwner      leave every object owned by Ferry's target role (SECURITY DEFINER functions are refused)
 * @param noPrivileges grant nothing: no object or column privileges, no default privileges
 */
public record ObjectOptions(boolean createRoles, boolean noOwner, boolean noPrivileges) {
    public static final ObjectOptions DEFAULT = new ObjectOptions(false, false, false);
}
