package dev.ferry.verify;

import dev.ferry.transforms.Row;
import java.sql.SQLException;
import java.util.function.Consumer;

/**
 * The rows of one table as one side sees them, streamed: the seam where the source side passes through the
 * transforms before it is compared. Tables no transform touches never use it; their rows are hashed inside
 * both servers instead.
 *
 * <p>Rows arrive in no particular order; an implementation holds at most one fetch batch in memory.
 * Called from one thread at a time.
 */
@FunctionalInterface
public interface RowSource {

    /** Hands every row to {@code sink}, complete (every column present) and in text form. */
    void stream(Consumer<Row> sink) throws SQLException;
}
