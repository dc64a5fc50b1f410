package dev.ferry.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.core.FerryException;
import dev.ferry.core.objects.ObjectChoices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The {@code ferry.yml} file: the same settings as the flags, plus the transforms. Flags win over the
 * environment, which wins over this file.
 */
public record ConfigFile(
        String source,
        String target,
        List<String> tables,
        Integer jobs,
        @JsonProperty("state_schema") String stateSchema,
        @JsonProperty("max_rate") String maxRate,
        List<Map<String, Object>> transforms,
        ObjectSettings objects) {

    static final ConfigFile EMPTY = new ConfigFile(null, null, null, null, null, null, null, null);

    /**
     * {@code objects:}: objects around the tables to create from the given SQL instead of the source's definition,
     * or not at all, each named as ferry check names it ({@code view public.mails}).
     */
    public record ObjectSettings(Map<String, String> replace, List<String> skip) {}

    /** The objects' choices, none when the file has no {@code objects:}. */
    ObjectChoices objectChoices() {
        return objects == null ? ObjectChoices.NONE : new ObjectChoices(objects.replace(), objects.skip());
    }

    static ConfigFile load(Path file) {
        if (file == null) {
            return EMPTY;
        }
        if (!Files.isReadable(file)) {
            throw FerryException.usage("cannot read the configuration file " + file + "; check the path given to --config");
        }
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try {
            ConfigFile f = yaml.readValue(file.toFile(), ConfigFile.class);
            return f == null ? EMPTY : f;
        } catch (UnrecognizedPropertyException e) {
            throw FerryException.usage("unknown setting \"" + e.getPropertyName() + "\" in " + file
                    + "; known settings: source, target, tables, jobs, state_schema, max_rate, transforms, objects "
                    + "(replace, skip)");
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw FerryException.usage("cannot parse " + file + ": " + msg);
        }
    }
}
