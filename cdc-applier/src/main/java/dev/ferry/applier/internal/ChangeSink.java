package dev.ferry.applier.internal;

import dev.ferry.applier.debezium.TruncateOptions;
import dev.ferry.core.Lsn;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.Op;
import dev.ferry.transforms.Row;
import dev.ferry.transforms.RowChange;
import dev.ferry.transforms.TransformException;
import java.sql.SQLException;

/**
 * Where transformed changes go: the target ({@link TargetWriter}) or, for {@code ferry replay --dry-run}, a
 * printout ({@link PrintingSink}), possibly on an apply thread of its own ({@link PipelinedSink}). Not thread-safe.
 */
public interface ChangeSink extends AutoCloseable {

    void write(RowChange change) throws SQLException;

    /**
     * Empties a target table with the source TRUNCATE's options. Consecutive calls with the same options may be
     * run as one statement, as the source ran them (tables linked by foreign keys truncate only together).
     */
    void truncate(TableId table, TruncateOptions options) throws SQLException;

    /** A change of a table without a primary key: rows matched on every column. */
    void writeKeyless(Op op, Row row, Row before) throws SQLException;

    /** An update that changed the primary key, applied as an update so unsent columns survive. */
    void updateKey(Row oldKey, Row row) throws SQLException;

    /** A row a transform rejected, kept instead of stopping ({@code --on-error dead-letter}). */
    void deadLetter(TransformException e, Row row) throws SQLException;

    /** Ends the source transaction: durable together with the position {@code lsn}. */
    void commit(Lsn lsn) throws SQLException;

    void rollback();

    /**
     * Returns once everything written and committed so far is on the target (a sink that applies on another
     * thread waits for it, and throws its failure); a position may be confirmed to the source only after this.
     */
    default void sync() {}

    /** True while a transaction has uncommitted changes. */
    boolean open();

    /** Changes written since the last commit. */
    long changes();

    @Override
    void close();
}
