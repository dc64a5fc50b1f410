package dev.ferry.snapshot;

import dev.ferry.core.ConnectionSpec;
import dev.ferry.core.Db;
import dev.ferry.core.ExitCode;
import dev.ferry.core.FerryException;
import dev.ferry.core.Lsn;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.Catalog;
import dev.ferry.core.catalog.CatalogReader;
import dev.ferry.core.catalog.TableInfo;
import dev.ferry.core.objects.LargeObjects;
import dev.ferry.core.objects.ObjectMigration;
import dev.ferry.core.objects.ObjectScope;
import dev.ferry.core.objects.ObjectSteps;
import dev.ferry.core.state.AutovacuumPauses;
import dev.ferry.core.state.ChunkState;
import dev.ferry.core.state.DeferredIndex;
import dev.ferry.core.state.Phase;
import dev.ferry.core.state.RunInfo;
import dev.ferry.core.state.SnapshotStep;
import dev.ferry.core.state.StateStore;
import dev.ferry.snapshot.SnapshotResult.TableResult;
import dev.ferry.snapshot.internal.ChunkPlanner;
import dev.ferry.switchover.ForeignKeys;
import dev.ferry.switchover.Sequences;
import dev.ferry.snapshot.internal.Copier;
import dev.ferry.snapshot.internal.CopyPool;
import dev.ferry.snapshot.internal.EarlySource;
import dev.ferry.snapshot.internal.ExportedSnapshot;
import dev.ferry.snapshot.internal.Freeze;
import dev.ferry.snapshot.internal.IndexBuilder;
import dev.ferry.snapshot.internal.ObjectsAround;
import dev.ferry.snapshot.internal.RateLimiter;
import dev.ferry.snapshot.internal.SchemaBuilder;
import dev.ferry.snapshot.internal.SlotMaker;
import dev.ferry.snapshot.internal.StepClock;
import dev.ferry.snapshot.internal.TableWork;
import dev.ferry.transforms.Identifiers;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code ferry snapshot}: the consistent starting point and the initial copy (DESIGN.md steps 2 and 3).
 *
 * <p>A new run creates the publication and the slot with its exported snapshot, records the consistent LSN,
 * creates the target tables without indexes, copies every table in parallel chunks under that snapshot, sets
 * sequences, then builds keys and indexes and adds foreign keys {@code NOT VALID}.
 *
 * <p>Running it again continues the recorded run: finished chunks are skipped. When the exported snapshot is gone
 * (its session died with the process), the work left is copied from a fresh snapshot (a temporary slot's, whose
 * consistent point is exact) by primary-key ranges: a table caught mid-copy is emptied and copied again that way
 * (its block ranges belonged to the lost snapshot and cannot be matched against a new one; its key ranges can, so a
 * further interruption loses no finished chunk). Streaming still starts from the slot's LSN; each such table gets a
 * floor ({@link StateStore#tableFloors()}) below which the stream skips its changes. Such tables are reported in
 * {@link SnapshotResult#resyncLsn()}, with their unique secondary indexes deferred (recorded for
 * {@link DeferredBuilds}). A finished run is reported and left alone.
 *
 * <p>A start records the slot it is creating before it asks for it, so the next start drops the slot a start
 * killed meanwhile left behind ({@link SlotMaker#dropOrphan}).
 */
public final class Snapshot {
    private final SnapshotOptions o;
    private final SnapshotListener listener;
    /**
     * The target connection of the snapshot's own steps (checks, schema, objects, sequences): one for the run
     * rather than one per step. The copy workers and index builds have their own.
     */
    private Connection work;
    /** The objects read under the run's snapshot, for the steps after the copy; null when none are carried. */
    private ObjectMigration objects;

    private Snapshot(SnapshotOptions options) {
        this.o = options;
        this.listener = options.listener();
    }

    /** Runs or continues the snapshot; the single writer of the state store while it runs. */
    public static SnapshotResult run(SnapshotOptions options) {
        return new Snapshot(options).execute();
    }

    /**
     * Validates the foreign keys the snapshot added {@code NOT VALID}, online (writes go on). Call before a switch,
     * once the stream has caught up (a row whose parent is still on its way would fail it). Returns how many.
     */
    public static int validateConstraints(ConnectionSpec target, String stateSchema, SnapshotListener listener) {
        return ForeignKeys.validateAll(target, stateSchema, listener::message);
    }

    private SnapshotResult execute() {
        long t0 = System.nanoTime();
        try (EarlySource early = new EarlySource(this::firstLook);
             StateStore store = StateStore.open(o.target(), o.stateSchema());
             Connection target = Db.open(o.target(), "target", "snapshot")) {
            work = target;
            store.lockWriter("snapshot");
            var run = store.run();
            return run.isEmpty() ? start(store, early.take(), t0) : resume(store, run.get(), t0);
        } catch (SQLException e) {
            throw ServerErrors.during("closing a connection", "target", e);
        }
    }

    // ---- a new run ----

    /** What a new run reads first on the source, while the state schema opens ({@link EarlySource}). */
    private EarlySource.Look firstLook() {
        Connection coord = Db.open(o.source(), "source", "snapshot");
        try {
            requireLogicalDecoding(coord);
            return new EarlySource.Look(coord, readCatalog(coord, o.tables()));
        } catch (SQLException e) {
            ExportedSnapshot.closeQuietly(coord);
            throw ServerErrors.during("the snapshot", "source", e);
        } catch (RuntimeException e) {
            ExportedSnapshot.closeQuietly(coord);
            throw e;
        }
    }

    private SnapshotResult start(StateStore store, EarlySource.Look look, long t0) {
        try (Connection coord = look.coord()) {
            Catalog pre = look.catalog();
            requireReplicable(pre);
            prepareTargetTables(works(pre));
            if (o.objects() != null && !o.inPlace()) {
                ObjectMigration.refuseEarly(coord, work, objectScope(works(pre)), o.objects());
            }
            List<TableId> roots = pre.tables().values().stream()
                    .filter(t -> t.parent() == null || !pre.tables().containsKey(t.parent())).map(TableInfo::id).toList();
            store.slotIntent(o.slot()).ifPresent(i -> SlotMaker.dropOrphan(coord, i, listener::message));
            listener.message("creating publication \"" + o.publication() + "\" and replication slot \"" + o.slot() + "\"");
            SlotMaker.Created made = new SlotMaker(o.source(), listener::message).create(coord, roots, o.publication(),
                    o.slot(), o.slotTimeout(), (systemId, pid) -> store.recordSlotIntent(o.slot(), systemId, pid));
            ExportedSnapshot snap = made.snapshot();
            try {
                store.createRun(new RunInfo(o.source().redacted(), made.systemId(), o.slot(), o.publication(), snap.lsn(),
                        snap.name(), Phase.SNAPSHOT, Instant.now()));
            } catch (RuntimeException e) {
                snap.release();
                SlotMaker.dropQuietly(coord, o.slot(), o.publication());
                throw e;
            }
            listener.message("consistent point " + snap.lsn() + " (snapshot " + snap.name() + ")");
            try {
                if (!ExportedSnapshot.importInto(coord, snap.name())) {
                    throw new FerryException(ExitCode.SERVER, "the snapshot just exported by slot \"" + o.slot()
                            + "\" vanished; run the same command again");
                }
                // Exactly the tables published: one created meanwhile would be copied but never streamed.
                Catalog catalog = readCatalog(coord, new ArrayList<>(pre.tables().keySet()));
                Map<TableId, TableWork> works = works(catalog);
                StepClock clock = new StepClock(t0);
                clock.end(SnapshotStep.SLOT, store);
                createSchema(store, coord, catalog, works);
                Set<TableId> freeze = Freeze.eligible(work, works.values());
                store.addChunks(new ChunkPlanner(coord, o.chunkBytes()).plan(works.values(), freeze, o.jobs()));
                clock.end(SnapshotStep.TABLES, store);
                try (IndexBuilder indexes = indexBuilder(store, works)) {
                    Map<TableId, CopyPool.Timing> timings = copy(store, works, indexes, snap.name(), snap::release,
                            freeze);
                    clock.end(SnapshotStep.COPY, store);
                    endSnapshotTransaction(coord);
                    setSequences(coord, catalog, works);
                    return finish(store, coord, works, indexes, clock, timings, snap.lsn(), o.slot(), o.publication(),
                            false, t0);
                }
            } finally {
                snap.release();
            }
        } catch (SQLException e) {
            throw ServerErrors.during("the snapshot", "source", e);
        }
    }

    // ---- continuing a recorded run ----

    private SnapshotResult resume(StateStore store, RunInfo run, long t0) {
        if (run.phase() == Phase.STREAMING || run.phase() == Phase.SWITCHED) {
            listener.message("the snapshot of this run finished already (consistent point " + run.consistentLsn()
                    + ", slot \"" + run.slot() + "\"); nothing to do");
            Map<TableId, Lsn> resync = store.resyncLsns();
            List<DeferredIndex> deferred = store.deferredIndexes().missing();
            return new SnapshotResult(run.consistentLsn(), run.slot(), run.publication(), true, false, List.of(),
                    resync, deferred, Duration.ofNanos(System.nanoTime() - t0), store.stepSeconds());
        }
        requireSameSource(run);
        List<TableId> wanted = new ArrayList<>(store.tableStates().keySet());
        try (Connection coord = Db.open(o.source(), "source", "snapshot")) {
            if (run.phase() == Phase.INDEXES) {
                Map<TableId, TableWork> works = works(readCatalog(coord, wanted));
                listener.message("the copy had finished; building keys and indexes");
                StepClock clock = new StepClock(System.nanoTime());
                try (IndexBuilder indexes = indexBuilder(store, works)) {
                    return finish(store, coord, works, indexes, clock, Map.of(), run.consistentLsn(), run.slot(),
                            run.publication(), true, t0);
                }
            }
            ExportedSnapshot snap = null;
            boolean original = run.snapshotName() != null && ExportedSnapshot.importInto(coord, run.snapshotName());
            if (!original) {
                snap = new SlotMaker(o.source(), listener::message).fresh(coord, run.slot(), o.slotTimeout());
                if (!ExportedSnapshot.importInto(coord, snap.name())) {
                    throw new FerryException(ExitCode.SERVER, "a fresh snapshot vanished at once; run the same command again");
                }
                store.setSnapshotName(snap.name());
                listener.message("the exported snapshot of this run is gone; continuing from a fresh snapshot at "
                        + snap.lsn() + " (streaming still starts at " + run.consistentLsn() + ")");
            }
            try {
                Catalog catalog = readCatalog(coord, wanted.isEmpty() ? o.tables() : wanted);
                Map<TableId, TableWork> works = works(catalog);
                StepClock clock = new StepClock(t0);
                clock.end(SnapshotStep.SLOT, store);
                createSchema(store, coord, catalog, works);
                if (snap != null) {
                    replan(store, coord, works, snap.lsn());
                }
                clock.end(SnapshotStep.TABLES, store);
                ExportedSnapshot s = snap;
                String name = original ? run.snapshotName() : snap.name();
                try (IndexBuilder indexes = indexBuilder(store, works)) {
                    Map<TableId, CopyPool.Timing> timings = copy(store, works, indexes, name, () -> {
                        if (s != null) {
                            s.release();
                        }
                    }, Freeze.eligible(work, works.values()));
                    clock.end(SnapshotStep.COPY, store);
                    endSnapshotTransaction(coord);
                    setSequences(coord, catalog, works);
                    return finish(store, coord, works, indexes, clock, timings, run.consistentLsn(), run.slot(),
                            run.publication(), true, t0);
                }
            } finally {
                if (snap != null) {
                    snap.release();
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("continuing the snapshot", "source", e);
        }
    }

    /**
     * Re-plans unfinished tables for a fresh snapshot. Key-range chunks stay valid; block-range chunks do not, so
     * such a table is emptied and planned again by key ranges (or as a whole when it has no key).
     */
    private void replan(StateStore store, Connection coord, Map<TableId, TableWork> works, Lsn fresh) {
        ChunkPlanner planner = new ChunkPlanner(coord, o.chunkBytes());
        Map<TableId, List<ChunkState>> byTable = store.chunks().stream().collect(Collectors.groupingBy(
                c -> new TableId(c.schema(), c.table()), LinkedHashMap::new, Collectors.toList()));
        try (Statement st = work.createStatement()) {
            for (TableWork w : works.values()) {
                if (w.source().partitioned()) {
                    continue;
                }
                List<ChunkState> chunks = byTable.getOrDefault(w.id(), List.of());
                if (!chunks.isEmpty() && chunks.stream().allMatch(ChunkState::done)) {
                    continue;
                }
                if (chunks.isEmpty()) {
                    store.addChunks(planner.byKeys(w));
                } else if (chunks.stream().allMatch(c -> c.kind().equals(ChunkPlanner.KEY))) {
                    // Key ranges mean the same under any snapshot: the finished ones stand, the rest are copied.
                    listener.message("continuing " + w.id() + " by its remaining key ranges");
                } else {
                    if (!w.source().schema().hasKey()) {
                        listener.message("table " + w.id() + " has no primary key and was not finished when the exported "
                                + "snapshot was lost, so its copy cannot be continued: copying it again from the start");
                    }
                    st.execute("TRUNCATE ONLY " + w.targetId().quoted());
                    store.resetChunks(w.id(), planner.byKeys(w));
                }
                store.setResyncLsn(w.id(), fresh);
            }
            store.setPendingSnapshotLsn(fresh);
        } catch (SQLException e) {
            throw ServerErrors.during("emptying an unfinished table", "target", e);
        }
    }

    private void requireSameSource(RunInfo run) {
        try (Connection repl = Db.openReplication(o.source(), "source", "check")) {
            String id = SlotMaker.systemId(repl);
            if (!id.equals(run.sourceSystemId())) {
                throw new FerryException(ExitCode.USAGE, "the run recorded on the target (state schema \"" + o.stateSchema()
                        + "\") was started from another source server (system identifier " + run.sourceSystemId()
                        + ", this one is " + id + "); pass the source of that run, or another --state-schema");
            }
            try (Statement st = repl.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT 1 FROM pg_replication_slots WHERE slot_name = " + Identifiers.literal(run.slot()))) {
                if (!rs.next()) {
                    throw new FerryException(ExitCode.SERVER, "replication slot \"" + run.slot() + "\" of this run no "
                            + "longer exists on the source, so the changes since " + run.consistentLsn() + " are lost; "
                            + "drop the state schema \"" + o.stateSchema() + "\" on the target and start again");
                }
            }
        } catch (SQLException e) {
            throw ServerErrors.during("checking the source of the run", "source", e);
        }
    }

    // ---- steps shared by both ----

    private Catalog readCatalog(Connection c, Collection<TableId> wanted) {
        CatalogReader reader = new CatalogReader(c, o.stateSchema());
        if (!wanted.isEmpty()) {
            List<TableId> missing = reader.missing(wanted);
            if (!missing.isEmpty()) {
                throw FerryException.usage("table" + (missing.size() > 1 ? "s " : " ") + missing.stream()
                        .map(TableId::toString).collect(Collectors.joining(", ")) + " do" + (missing.size() > 1 ? "" : "es")
                        + " not exist on the source; check --tables");
            }
        }
        Catalog catalog = reader.read(wanted);
        if (catalog.tables().isEmpty()) {
            throw FerryException.usage("the source database has no tables to move; check --source and --tables");
        }
        return catalog;
    }

    private Map<TableId, TableWork> works(Catalog catalog) {
        Map<TableId, TableWork> works = new LinkedHashMap<>();
        for (TableInfo t : catalog.tables().values()) {
            works.put(t.id(), TableWork.of(t, o.transforms()));
        }
        return works;
    }

    private static void requireLogicalDecoding(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            if (!rs.getString(1).equals("logical")) {
                throw FerryException.usage("the source runs with wal_level = " + rs.getString(1) + ", and a replication "
                        + "slot needs logical; run ALTER SYSTEM SET wal_level = logical on the source and restart it");
            }
        }
    }

    private static void requireReplicable(Catalog catalog) {
        for (TableInfo t : catalog.tables().values()) {
            if (!t.replicable() && !t.partitioned()) {
                throw FerryException.usage("table " + t.id() + " has no primary key and no REPLICA IDENTITY FULL, so its "
                        + "updates and deletes cannot be streamed (and publishing it would make them fail on the source); "
                        + "add a primary key or run ALTER TABLE " + t.id().quoted() + " REPLICA IDENTITY FULL");
            }
        }
    }

    /** Refuses target tables that already hold rows, or empties them with --truncate-target. */
    private void prepareTargetTables(Map<TableId, TableWork> works) {
        try (Statement st = work.createStatement()) {
            List<TableId> full = new ArrayList<>();
            for (TableWork w : works.values()) {
                if (w.source().partitioned()) {
                    continue;
                }
                String t = w.targetId().quoted();
                try (ResultSet rs = st.executeQuery("SELECT to_regclass(" + Identifiers.literal(t)
                        + ") IS NOT NULL")) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        continue;
                    }
                }
                try (ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM ONLY " + t + ")")) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        full.add(w.targetId());
                    }
                }
            }
            if (full.isEmpty()) {
                return;
            }
            if (!o.truncateTarget()) {
                throw FerryException.usage("target table" + (full.size() > 1 ? "s " : " ") + full.stream()
                        .map(TableId::toString).collect(Collectors.joining(", ")) + " already hold" + (full.size() > 1 ? "" : "s")
                        + " rows and Ferry does not write into a non-empty table; empty " + (full.size() > 1 ? "them" : "it")
                        + ", or pass --truncate-target to let Ferry do it");
            }
            for (TableId t : full) {
                listener.message("emptying target table " + t + " (--truncate-target)");
                st.execute("TRUNCATE ONLY " + t.quoted());
            }
        } catch (SQLException e) {
            throw ServerErrors.during("checking the target tables", "target", e);
        }
    }

    private void createSchema(StateStore store, Connection source, Catalog catalog, Map<TableId, TableWork> works) {
        listener.message("creating " + works.size() + " table(s) on the target, without indexes");
        Map<String, String> extensions = SchemaBuilder.extensions(source, works.keySet());
        objects = o.objects() == null || o.inPlace() ? null
                : ObjectsAround.read(source, work, objectScope(works), o.objects(), listener::message);
        AutovacuumPauses.recordNew(work, o.stateSchema(), works.values().stream()
                .filter(w -> !w.source().partitioned()).map(TableWork::targetId).toList());
        new SchemaBuilder(work, o.inPlace()).createTables(catalog, works, o.transforms(), extensions,
                objects == null ? ObjectSteps.NONE : objects);
        AutovacuumPauses.pauseRecorded(work, o.stateSchema());
        works.values().forEach(w -> store.addTable(w.id(), w.targetId()));
    }

    /** The objects' scope: the migrated tables with their target names, and those a transform reshapes. */
    private ObjectScope objectScope(Map<TableId, TableWork> works) {
        Map<TableId, TableId> tables = new LinkedHashMap<>();
        works.values().forEach(w -> tables.put(w.id(), w.targetId()));
        Map<TableId, Set<String>> kept = new LinkedHashMap<>();
        works.values().stream().filter(w -> !w.passThrough())
                .forEach(w -> kept.put(w.id(), ObjectScope.kept(w.source().schema(), w.target())));
        return ObjectScope.of(tables, kept.keySet(), kept, o.stateSchema(), o.publication());
    }

    /**
     * Sets the target's sequences to the source's values now (they are not transactional), so the copied tables
     * are usable at once; {@code ferry switch} carries them again, and refuses those that cannot be carried. On
     * {@code source} after the snapshot's transaction ended ({@link #endSnapshotTransaction}): values are read as
     * of now, and a sequence Ferry may not read can no longer abort that transaction.
     */
    private void setSequences(Connection source, Catalog catalog, Map<TableId, TableWork> works) {
        if (o.inPlace()) {
            return; // the shadow tables use the source's own sequences
        }
        Map<TableId, TableId> tables = new LinkedHashMap<>();
        works.forEach((id, w) -> tables.put(id, w.targetId()));
        Sequences.Plan plan = Sequences.plan(source, work, catalog.sequences(), tables, works.keySet());
        Sequences.carry(source, work, plan.mapped(), 0);
    }

    private static boolean hasLargeObjects(Connection source) {
        try {
            return LargeObjects.count(source) > 0;
        } catch (SQLException e) {
            throw ServerErrors.during("counting large objects", "source", e);
        }
    }

    /** Ends the transaction that held the snapshot on {@code coord}; its later statements each commit alone. */
    private static void endSnapshotTransaction(Connection coord) throws SQLException {
        coord.commit();
        coord.setAutoCommit(true);
    }

    /** Keys and indexes are built by table tree, each as soon as its tables are copied (resync LSNs are known now). */
    private IndexBuilder indexBuilder(StateStore store, Map<TableId, TableWork> works) {
        return new IndexBuilder(o.target(), work, listener::message, works, o.jobs(), store.resyncLsns(), o.stateSchema());
    }

    /** @param freeze the tables whose whole-table chunk loads with {@code COPY ... FREEZE} ({@link Freeze#eligible}) */
    private Map<TableId, CopyPool.Timing> copy(StateStore store, Map<TableId, TableWork> works, IndexBuilder indexes,
                                               String snapshot, Runnable release, Set<TableId> freeze) {
        List<CopyPool.Job> jobs = new ArrayList<>();
        Map<TableId, long[]> done = new LinkedHashMap<>();
        for (ChunkState c : store.chunks()) {
            TableWork w = works.get(new TableId(c.schema(), c.table()));
            if (w == null) {
                continue;
            }
            done.computeIfAbsent(w.id(), k -> new long[1])[0] += c.rows();
            if (!c.done()) {
                jobs.add(new CopyPool.Job(w, c, freeze.contains(w.id()) && Freeze.whole(c)));
            }
        }
        for (TableWork w : works.values()) {
            if (!w.source().partitioned()) {
                listener.tablePlanned(w.id(), w.source().estimatedRows(), w.source().bytes(),
                        done.getOrDefault(w.id(), new long[1])[0]);
                if (jobs.stream().noneMatch(j -> j.table().id().equals(w.id()))) {
                    listener.tableDone(w.id());
                }
            }
        }
        indexes.start(jobs.stream().map(j -> j.table().id()).collect(Collectors.toSet()));
        if (jobs.isEmpty()) {
            release.run();
            return Map.of();
        }
        long tables = jobs.stream().map(j -> j.table().id()).distinct().count();
        listener.message("copying " + jobs.size() + " chunk(s) of " + tables + " table(s) with " + Math.min(o.jobs(), jobs.size())
                + " worker(s)" + (o.maxRate().unlimited() ? "" : ", at most " + o.maxRate()));
        Copier copier = new Copier(new RateLimiter(o.maxRate()), listener, o.transforms(), o.stateSchema());
        Map<TableId, CopyPool.Timing> timings = new CopyPool(o.source(), o.target(), copier, listener, o.lookup())
                .run(snapshot, jobs, o.jobs(), () -> {
                    release.run();
                    listener.message("every copy worker holds the snapshot; its exporting session is closed");
                }, indexes::tableCopied);
        listener.copyFinished();
        return timings;
    }

    private SnapshotResult finish(StateStore store, Connection source, Map<TableId, TableWork> works,
                                  IndexBuilder indexes, StepClock clock, Map<TableId, CopyPool.Timing> timings,
                                  Lsn consistent, String slot, String publication, boolean resumed, long t0) {
        store.setPhase(Phase.INDEXES);
        Map<TableId, long[]> totals = new LinkedHashMap<>();
        for (ChunkState c : store.chunks()) {
            long[] t = totals.computeIfAbsent(new TableId(c.schema(), c.table()), k -> new long[2]);
            t[0] += c.rows();
            t[1] += c.bytes();
        }
        List<TableResult> tables = new ArrayList<>();
        for (TableWork w : works.values()) {
            if (w.source().partitioned()) {
                continue;
            }
            long[] t = totals.getOrDefault(w.id(), new long[2]);
            CopyPool.Timing timing = timings.get(w.id());
            double seconds = timing == null ? 0 : timing.seconds();
            tables.add(new TableResult(w.id(), w.targetId(), t[0], t[1], seconds));
            if (timing != null) {
                store.finishTable(w.id(), t[0], t[1], seconds);
            }
        }
        clock.end(SnapshotStep.CONSTRAINTS, store); // the sequences, set after the copy
        listener.message("building the primary keys and indexes left");
        Map<TableId, Lsn> resync = store.resyncLsns();
        List<DeferredIndex> deferred = indexes.finish();
        store.deferredIndexes().add(deferred);
        clock.end(SnapshotStep.INDEXES, store);
        indexes.foreignKeys();
        if (o.objects() != null && !o.inPlace()) {
            if (objects != null) {
                objects.afterCopy(work);
            } else {
                ObjectMigration.afterCopy(source, work, objectScope(works), o.objects(), listener::message);
            }
            if (hasLargeObjects(source)) { // most databases have none: no pass, no connections for it
                LargeObjects.Pass lo = LargeObjects.copy(o.source(), o.target(), o.objects(), false, listener::message);
                listener.message("large objects: " + lo.describe());
            }
        }
        clock.end(SnapshotStep.CONSTRAINTS, store);
        store.setPhase(Phase.STREAMING);
        return new SnapshotResult(consistent, slot, publication, false, resumed, tables, resync, deferred,
                Duration.ofNanos(System.nanoTime() - t0), clock.seconds());
    }
}
