package dev.ferry.core.check;

import dev.ferry.transforms.Column;
import dev.ferry.transforms.TableSchema;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Tables whose column names differ only by case ({@code "Name"} and {@code name}): legal in PostgreSQL, but
 * Debezium 3.6 keys a table's columns by their lower-case names and refuses such a table when it reads its
 * definition (DBZ-9693, in {@code PgOutputMessageDecoder} and {@code JdbcConnection}), so the stream cannot carry
 * it. {@code check} reports it before anything is created and the stream refuses it, with the same sentence.
 */
public final class CaseOnlyColumns {
    private CaseOnlyColumns() {}

    /** The sentence for the table's first such pair of columns, or empty when it has none. */
    public static Optional<String> problem(TableSchema table) {
        Map<String, Column> seen = new HashMap<>();
        for (Column c : table.columns()) {
            Column other = seen.putIfAbsent(c.name().toLowerCase(Locale.ROOT), c);
            if (other != null) {
                return Optional.of("table " + table.id() + " has columns " + other.quotedName() + " and "
                        + c.quotedName() + " whose names differ only by case, which the stream cannot carry (Debezium "
                        + "matches column names regardless of case); rename one of them on the source (ALTER TABLE "
                        + table.id().quoted() + " RENAME COLUMN ...) and on the target, or leave " + table.id()
                        + " out of --tables");
            }
        }
        return Optional.empty();
    }
}
