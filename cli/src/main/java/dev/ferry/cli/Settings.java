package dev.ferry.cli;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.inplace.InPlacePlan;
import dev.ferry.transforms.TableId;
import java.util.List;

/**
 * Settings after flags, environment and file are merged. Immutable.
 *
 * @param source null when the command does not need it
 * @param tables empty means every table
 * @param inPlace what an in-place run rebuilds (the target is then the source), or null between two servers
 */
public record Settings(ConnectionSpec source, ConnectionSpec target, List<TableId> tables, String stateSchema,
                       ConfigFile file, InPlacePlan inPlace) {
    public Settings(ConnectionSpec source, ConnectionSpec target, List<TableId> tables, String stateSchema,
                    ConfigFile file) {
        this(source, target, tables, stateSchema, file, null);
    }
}
