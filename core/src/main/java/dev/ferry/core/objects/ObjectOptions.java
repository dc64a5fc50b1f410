package dev.ferry.core.objects;

/**
 * How the objects around the tables are carried.
 *
 * @param createRoles  create the roles the objects need (owners, grantees) that the target lacks, without
 *                     passwords, with their memberships and settings, and the database's own settings
 * @param noOwner      leave every object owned by Ferry's target role (SECURITY DEFINER functions are refused)
 * @param noPrivileges grant nothing: no object or column privileges, no default privileges
 * @param choices      ferry.yml's {@code objects:}: replaced and skipped objects
 */
public record ObjectOptions(boolean createRoles, boolean noOwner, boolean noPrivileges, ObjectChoices choices) {
    public static final ObjectOptions DEFAULT = new ObjectOptions(false, false, false);

    public ObjectOptions {
        choices = choices == null ? ObjectChoices.NONE : choices;
    }

    public ObjectOptions(boolean createRoles, boolean noOwner, boolean noPrivileges) {
        this(createRoles, noOwner, noPrivileges, ObjectChoices.NONE);
    }
}
