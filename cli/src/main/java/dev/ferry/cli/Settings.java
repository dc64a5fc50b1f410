package dev.ferry.cli;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.transforms.TableId;
import java.util.List;

/**
 * Settings after flags, environment and file are merged. Immutable.
 *
 * @param source null when the command does not need it
 * @param tables empty means every table
 */
public record Settings(ConnectionSpec source, ConnectionSpec target, List<TableId> tables, String stateSchema,
                       ConfigFile file) {}
