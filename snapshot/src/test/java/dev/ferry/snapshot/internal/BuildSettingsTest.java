package dev.ferry.snapshot.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BuildSettingsTest {
    private static final long MB = 1024;

    @Test
    void oneBuildTakesAsMuchAsSharedBuffersAndTheJobsItsLeaderLeaves() {
        assertEquals(new BuildSettings(512 * MB, 3), BuildSettings.plan(512 * MB, 64 * MB, 2, 8, 4, 1));
    }

    @Test
    void oneJobOnTheBenchmarksTargetGetsTwiceTheServersMemoryAndItsWorkers() {
        assertEquals(new BuildSettings(512 * MB, 2), BuildSettings.plan(512 * MB, 256 * MB, 2, 8, 1, 1));
    }

    @Test
    void concurrentBuildsShareTheMemoryAndTheJobs() {
        assertEquals(new BuildSettings(512 * MB, 2), BuildSettings.plan(2048 * MB, 64 * MB, 2, 8, 8, 4));
    }

    @Test
    void neverBelowTheServersOwnSettings() {
        // A small shared_buffers and one job: the administrator's maintenance_work_mem and workers stand.
        assertEquals(new BuildSettings(256 * MB, 2), BuildSettings.plan(128 * MB, 256 * MB, 2, 8, 1, 1));
    }

    @Test
    void cappedPerBuildAndByTheServersWorkerPool() {
        assertEquals(new BuildSettings(BuildSettings.CAP_KB, 4), BuildSettings.plan(64 * 1024 * MB, 64 * MB, 2, 4, 32, 1));
    }

    @Test
    void aServerWithoutParallelWorkersGetsNone() {
        assertEquals(0, BuildSettings.plan(1024 * MB, 64 * MB, 0, 0, 8, 1).parallelWorkers());
    }
}
