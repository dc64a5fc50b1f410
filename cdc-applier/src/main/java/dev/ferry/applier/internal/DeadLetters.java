package dev.ferry.applier.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.TransformException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Rows a transform rejected, kept in the state schema's {@code dead_letters} table with the transform, the key
 * and the message, written in the same target transaction as the changes around them (so a restart neither
 * loses nor doubles them). {@code ferry status} counts them.
 */
public final class DeadLetters {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String schema;

    public DeadLetters(String schema) {
        this.schema = schema;
    }

    void add(Connection target, TransformException e, Row row) {
        try (PreparedStatement ps = target.prepareStatement("INSERT INTO " + Identifiers.quote(schema)
                + ".dead_letters (table_name, key, transform, message, row_data) VALUES (?, ?, ?, ?, ?::jsonb)")) {
            ps.setString(1, e.table().toString());
            ps.setString(2, e.key());
            ps.setString(3, e.transform());
            ps.setString(4, e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
            ps.setString(5, row == null ? null : JSON.writeValueAsString(row.asMap()));
            ps.executeUpdate();
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException("cannot record a dead letter: " + ex.getMessage(), ex);
        }
    }
}
