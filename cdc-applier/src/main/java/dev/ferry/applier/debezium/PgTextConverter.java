package dev.ferry.applier.debezium;

import dev.ferry.transforms.connect.ConnectRows;
import io.debezium.connector.postgresql.UnchangedToastedReplicationMessageColumn;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.Properties;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * A Debezium custom converter ({@code converters=pgtext}, {@code pgtext.type=} this class) that claims every
 * column as an optional string and passes pgoutput's text through. It only works together with Ferry's
 * {@code PgOutputReplicationMessage} (see the package), which hands it that text; with Debezium's own class it
 * would see parsed Java values.
 *
 * <p>Values it receives: the text of a column pgoutput sent as text; null for NULL; one of Debezium's
 * {@link UnchangedToastedReplicationMessageColumn} marker objects for an unchanged TOASTed column, which becomes
 * {@link ConnectRows#UNCHANGED} (an object, compared by identity: no real value can be mistaken for it, whatever
 * its text); and, once per column when Debezium builds a table's schema, the column's default value parsed by
 * Debezium, which becomes null (Ferry reads images without defaults). Every column is optional because an
 * old-key image of a {@code REPLICA IDENTITY DEFAULT} table holds NULL in its non-key columns.
 *
 * <p>Runs on Debezium's single streaming thread; stateless.
 */
public final class PgTextConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {
    @Override
    public void configure(Properties props) {
        // nothing to configure: every column, every type
    }

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        registration.register(SchemaBuilder.string().optional(), PgTextConverter::text);
    }

    static Object text(Object value) {
        if (value == null || value instanceof String) {
            return value;
        }
        if (UnchangedToastedReplicationMessageColumn.isUnchangedToastedValue(value)) {
            return ConnectRows.UNCHANGED;
        }
        return null; // a default value Debezium parsed for the schema; never a streamed value
    }
}
