package dev.ferry.snapshot.internal;

import dev.ferry.core.ServerErrors;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The session settings of an index build on the target, sized from the target's own configuration, never from a
 * fixed figure: the host's RAM is not visible through SQL, so {@code shared_buffers} stands for it (the memory the
 * administrator gave PostgreSQL, commonly a quarter of the host). The builds running at once share as much again as
 * {@code maintenance_work_mem}, at most {@link #CAP_KB} each, and never less than the server's own setting: a
 * parallel build's participants split that figure, and each sorts its part in one run only while its share holds
 * it (bench/key-build.sh: a 5.2 M-row uuid key built in 0.80-0.86x the time at 512 MB as at the server's 256 MB,
 * with one parallel worker or two). Parallel maintenance workers: {@code --jobs} is how many processes the servers
 * give Ferry, so a build gets its share of them minus its leader, never fewer than the server's
 * {@code max_parallel_maintenance_workers} and never more than its {@code max_parallel_workers}.
 *
 * @param maintenanceWorkMemKb the session's {@code maintenance_work_mem}, in kB
 * @param parallelWorkers      the session's {@code max_parallel_maintenance_workers}
 */
public record BuildSettings(long maintenanceWorkMemKb, int parallelWorkers) {
    static final long CAP_KB = 1024L * 1024;

    /**
     * @param sharedBuffersKb  the target's {@code shared_buffers}
     * @param currentKb        its {@code maintenance_work_mem}
     * @param serverWorkers    its {@code max_parallel_maintenance_workers}
     * @param maxWorkers       its {@code max_parallel_workers}
     * @param jobs             {@code --jobs}
     * @param builds           builds that may run at once
     */
    static BuildSettings plan(long sharedBuffersKb, long currentKb, int serverWorkers, int maxWorkers, int jobs, int builds) {
        int b = Math.max(1, builds);
        long share = Math.min(CAP_KB, sharedBuffersKb / b);
        int workers = Math.min(maxWorkers, Math.max(serverWorkers, jobs / b - 1));
        return new BuildSettings(Math.max(currentKb, share), Math.max(0, workers));
    }

    /** Reads the target's settings on {@code c} and plans for {@code builds} concurrent builds. */
    public static BuildSettings read(Connection c, int jobs, int builds) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT "
                + "(SELECT setting::bigint * pg_size_bytes(coalesce(nullif(unit, ''), '1')) / 1024 FROM pg_settings WHERE name = 'shared_buffers'), "
                + "(SELECT setting::bigint FROM pg_settings WHERE name = 'maintenance_work_mem'), "
                + "current_setting('max_parallel_maintenance_workers')::int, current_setting('max_parallel_workers')::int")) {
            rs.next();
            return plan(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getInt(4), jobs, builds);
        } catch (SQLException e) {
            throw ServerErrors.during("reading the target's memory settings", "target", e);
        }
    }

    /** Applies the settings to the session of {@code st}. */
    public void apply(Statement st) throws SQLException {
        st.execute("SET maintenance_work_mem = '" + maintenanceWorkMemKb + "kB'");
        st.execute("SET max_parallel_maintenance_workers = " + parallelWorkers);
    }

    public String describe() {
        return "maintenance_work_mem " + (maintenanceWorkMemKb >= 1024 ? maintenanceWorkMemKb / 1024 + " MB"
                : maintenanceWorkMemKb + " kB") + ", up to " + parallelWorkers + " parallel worker(s) each";
    }
}
