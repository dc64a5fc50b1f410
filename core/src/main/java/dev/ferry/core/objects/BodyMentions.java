package dev.ferry.core.objects;

import dev.ferry.core.Queries;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableSchema;
import dev.ferry.transforms.TransformChain;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * pg_depend does not see into PL/pgSQL bodies or SQL kept as strings: a function whose text mentions a table or
 * column a transform renames or drops would fail on the target. A case-insensitive whole-word search of the body
 * ({@code prosrc}), nothing more: no parser. Named by {@code check} and {@code diff}; functions replaced or skipped in
 * ferry.yml are not.
 */
public final class BodyMentions {
    /** {@code function} (its identity) mentions {@code name} in its body. */
    public record Mention(String function, String name) {
        public String title() {
            return "function " + function;
        }

        public String sentence() {
            return title() + " mentions \"" + name + "\" in its body, a name a transform renames or drops; it is created "
                    + "as it is: give its new definition in ferry.yml (objects: replace: \"" + title()
                    + "\": CREATE OR REPLACE FUNCTION ...), or skip it there";
        }
    }

    private BodyMentions() {}

    public static List<Mention> find(Connection src, Catalog catalog, TransformChain chain, ObjectScope scope,
                                     ObjectChoices choices) throws SQLException {
        List<String> gone = new ArrayList<>();
        for (TableInfo t : catalog.tables().values()) {
            if (chain.passesThrough(t.id())) {
                continue;
            }
            TableSchema mapped = chain.mapSchema(t.schema());
            if (!mapped.id().name().equals(t.id().name())) {
                gone.add(t.id().name());
            }
            for (Column c : t.schema().columns()) {
                if (mapped.column(c.name()).isEmpty()) {
                    gone.add(c.name());
                }
            }
        }
        if (gone.isEmpty()) {
            return List.of();
        }
        List<Mention> hits = Queries.rows(src, "SELECT (pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity, w "
                + "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, unnest(?::text[]) w "
                + "WHERE n.nspname = ANY(?::text[]) AND p.prosrc ~* ('\\m' || regexp_replace(w, '([^a-zA-Z0-9_])', "
                + "'\\\\\\1', 'g') || '\\M') ORDER BY 1, 2", rs -> new Mention(rs.getString(1), rs.getString(2)),
                src.createArrayOf("text", gone.toArray()), src.createArrayOf("text", scope.schemas().toArray()));
        return hits.stream().filter(m -> !choices.replace().containsKey(m.title()) && !choices.skip().contains(m.title()))
                .toList();
    }
}
