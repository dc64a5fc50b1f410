package dev.ferry.cli;

import dev.ferry.core.objects.ObjectOptions;
import picocli.CommandLine.Option;

/** How the objects around the tables are carried; shared by start, snapshot, check and diff. */
public final class ObjectFlags {
    @Option(names = "--create-roles", description = "Create the roles the objects need (owners, grantees) that the "
            + "target lacks, without passwords, with their memberships and ALTER ROLE ... SET settings, and the "
            + "database's own ALTER DATABASE ... SET settings.")
    boolean createRoles;

    @Option(names = "--no-owner", description = "Leave every object owned by Ferry's role on the target (refused when "
            + "a SECURITY DEFINER function would then run with Ferry's rights).")
    boolean noOwner;

    @Option(names = "--no-privileges", description = "Grant nothing on the target: no object, column or default "
            + "privileges.")
    boolean noPrivileges;

    /** These flags with ferry.yml's {@code objects:}. */
    ObjectOptions options(Settings s) {
        return new ObjectOptions(createRoles, noOwner, noPrivileges, s.file().objectChoices());
    }
}
