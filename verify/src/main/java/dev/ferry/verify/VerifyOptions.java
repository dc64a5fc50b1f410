package dev.ferry.verify;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.transforms.TableId;
import dev.ferry.transforms.TransformChain;
import java.time.Duration;
import java.util.List;

/**
 * What to compare and how.
 *
 * @param tables      source tables; empty means every table of the source
 * @param jobs        connections per server scanning in parallel (and tables compared at once)
 * @param stateSchema the state schema on the target; when it exists and a run is recorded, verify compares
 *                    at a common point with the stream (see {@code CommonPoint})
 * @param chain       the transforms; tables they touch are compared row by row through them
 * @param listLimit   differences listed per table (all are counted)
 * @param rechecks    fresh re-reads of a mismatch before it is reported; -1 means 2 while a stream is
 *                    recorded on the target and 0 otherwise
 * @param maxWait     the longest verify waits for the stream to reach a source position before comparing anyway
 */
public record VerifyOptions(
        ConnectionSpec source,
        ConnectionSpec target,
        List<TableId> tables,
        int jobs,
        String stateSchema,
        TransformChain chain,
        int listLimit,
        int rechecks,
        Duration maxWait) {

    public VerifyOptions {
        tables = List.copyOf(tables);
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1");
        }
    }

    /** The defaults: 4 jobs, state schema {@code ferry}, no transforms, 20 listed, automatic re-checks. */
    public static VerifyOptions of(ConnectionSpec source, ConnectionSpec target) {
        return new VerifyOptions(source, target, List.of(), 4, "ferry", TransformChain.identity(), 20, -1,
                Duration.ofSeconds(60));
    }

    public VerifyOptions withTables(List<TableId> newTables) {
        return new VerifyOptions(source, target, newTables, jobs, stateSchema, chain, listLimit, rechecks, maxWait);
    }

    public VerifyOptions withJobs(int newJobs) {
        return new VerifyOptions(source, target, tables, newJobs, stateSchema, chain, listLimit, rechecks, maxWait);
    }

    public VerifyOptions withStateSchema(String schema) {
        return new VerifyOptions(source, target, tables, jobs, schema, chain, listLimit, rechecks, maxWait);
    }

    public VerifyOptions withChain(TransformChain newChain) {
        return new VerifyOptions(source, target, tables, jobs, stateSchema, newChain, listLimit, rechecks, maxWait);
    }

    public VerifyOptions withListLimit(int limit) {
        return new VerifyOptions(source, target, tables, jobs, stateSchema, chain, limit, rechecks, maxWait);
    }

    public VerifyOptions withMaxWait(Duration wait) {
        return new VerifyOptions(source, target, tables, jobs, stateSchema, chain, listLimit, rechecks, wait);
    }

    public VerifyOptions withRechecks(int n) {
        return new VerifyOptions(source, target, tables, jobs, stateSchema, chain, listLimit, n, maxWait);
    }
}
