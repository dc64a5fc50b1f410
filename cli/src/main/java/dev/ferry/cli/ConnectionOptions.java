package dev.ferry.cli;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.inplace.InPlacePlan;
import java.sql.Connection;
import java.sql.SQLException;
import dev.ferry.core.FerryException;
import dev.ferry.core.PgPass;
import dev.ferry.transforms.TableId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where to connect and what to move: the options most commands share. Resolved once into {@link Settings}.
 */
public final class ConnectionOptions {
    @Option(names = "--source", paramLabel = "URI",
            description = "Source server, libpq style: postgresql://user@host:port/db?sslmode=require. "
                    + "Also FERRY_SOURCE or 'source:' in ferry.yml.")
    String source;

    @Option(names = "--target", paramLabel = "URI",
            description = "Target server, same form. Also FERRY_TARGET or 'target:' in ferry.yml.")
    String target;

    @Option(names = "--config", paramLabel = "FILE", description = "Settings file (ferry.yml).")
    Path config;

    @Option(names = "--tables", split = ",", paramLabel = "TABLE",
            description = "Tables to move (schema.table, comma-separated). Default: every table of the source.")
    List<String> tables;

    @Option(names = "--state-schema", paramLabel = "NAME",
            description = "Schema on the target holding Ferry's state (default: ${DEFAULT-VALUE}).",
            defaultValue = "ferry")
    String stateSchema;

    @Option(names = "--in-place", description = "No second server: rebuild the tables a transform reshapes (and "
            + "those referencing a key that changes type) as shadow tables inside the source's own database, then "
            + "swap them into place with \"ferry switch --in-place\". --target is not used.")
    boolean inPlace;

    @Option(names = "--shadow", paramLabel = "SCHEMA", defaultValue = InPlacePlan.DEFAULT_SHADOW_SCHEMA,
            description = "With --in-place: the schema of the shadow tables (default: ${DEFAULT-VALUE}).")
    String shadowSchema;

    @Option(names = "--keep-references", description = "With --in-place: leave columns that reference a key "
            + "changing type as they are (by default their tables are rebuilt with the columns widened too).")
    boolean keepReferences;

    @Option(names = {"-v", "--verbose"}, description = "Print causes of failures and library logs.")
    boolean verbose;

    /** Resolves flags, then environment, then the file, into one immutable settings object. */
    public Settings resolve(boolean needSource, boolean needTarget) {
        return resolve(needSource, needTarget, System.getenv());
    }

    Settings resolve(boolean needSource, boolean needTarget, Map<String, String> env) {
        ConfigFile file = ConfigFile.load(config);
        ConnectionSpec src = spec("source", first(source, env.get("FERRY_SOURCE"), file.source()), needSource || inPlace, env);
        ConnectionSpec tgt = inPlace ? null
                : spec("target", first(target, env.get("FERRY_TARGET"), file.target()), needTarget, env);
        List<TableId> ids = new ArrayList<>();
        List<String> names = tables != null ? tables : file.tables() != null ? file.tables() : List.of();
        for (String n : names) {
            try {
                ids.add(TableId.parse(n));
            } catch (IllegalArgumentException e) {
                throw FerryException.usage(e.getMessage());
            }
        }
        if (!stateSchema.matches("[a-z_][a-z0-9_]*") && !stateSchema.equals("ferry")) {
            throw FerryException.usage("--state-schema must be a plain lower-case name, not \"" + stateSchema + "\"");
        }
        String schema = !"ferry".equals(stateSchema) ? stateSchema
                : file.stateSchema() != null ? file.stateSchema() : stateSchema;
        Settings settings = new Settings(src, tgt, List.copyOf(ids), schema, file);
        return inPlace ? inPlace(settings, env) : settings;
    }

    /** The source is also the target; only the tables the plan rebuilds are moved. */
    private Settings inPlace(Settings s, Map<String, String> env) {
        ConnectionSpec src = s.source();
        if (!shadowSchema.matches("[a-z_][a-z0-9_]*")) {
            throw FerryException.usage("--shadow must be a plain lower-case name, not \"" + shadowSchema + "\"");
        }
        InPlacePlan plan;
        try (Connection c = Db.open(src, "source", "in-place plan")) {
            plan = InPlacePlan.make(c, s.stateSchema(), shadowSchema, Transforms.configured(s, null), s.tables(),
                    !keepReferences);
        } catch (SQLException e) {
            throw ServerErrors.during("planning the in-place rebuild", "source", e);
        }
        if (plan.shadows().isEmpty()) {
            throw FerryException.usage("with --in-place only tables a transform reshapes are rebuilt, and no transform "
                    + "in ferry.yml reshapes " + (s.tables().isEmpty() ? "any table" : "the tables given with --tables")
                    + "; add the transforms (e.g. change-type) under 'transforms:'");
        }
        return new Settings(src, src, plan.rebuilt(), s.stateSchema(), s.file(), plan);
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static ConnectionSpec spec(String role, String uri, boolean required, Map<String, String> env) {
        if (uri == null) {
            if (required) {
                throw FerryException.usage("no " + role + " given; pass --" + role + " postgresql://user@host:port/db, "
                        + "set FERRY_" + role.toUpperCase() + ", or put '" + role + ":' in ferry.yml");
            }
            return null;
        }
        return PgPass.complete(ConnectionSpec.parse(uri), env);
    }
}
