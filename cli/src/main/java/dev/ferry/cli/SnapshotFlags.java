package dev.ferry.cli;

import dev.ferry.core.FerryException;
import dev.ferry.snapshot.Rate;
import dev.ferry.snapshot.SnapshotOptions;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The snapshot's options, shared by {@code ferry snapshot} and {@code ferry start}. */
public final class SnapshotFlags {
    @Option(names = {"-j", "--jobs"}, paramLabel = "N",
            description = "Copy workers, also used to build indexes (default: half the cores, at least 1, or 'jobs:' in "
                    + "ferry.yml; with the servers on hosts of their own, the smaller server's cores).")
    Integer jobs;

    @Option(names = "--slot", paramLabel = "NAME", defaultValue = SnapshotOptions.DEFAULT_SLOT,
            description = "Logical replication slot created on the source (default: ${DEFAULT-VALUE}).")
    String slot;

    @Option(names = "--publication", paramLabel = "NAME", defaultValue = SnapshotOptions.DEFAULT_PUBLICATION,
            description = "Publication created on the source for the chosen tables (default: ${DEFAULT-VALUE}).")
    String publication;

    @Option(names = "--slot-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Give up creating the slot when transactions running on the source keep it waiting this long "
                    + "(default: ${DEFAULT-VALUE}); what it waits for is reported meanwhile.")
    int slotTimeoutSeconds;

    @Option(names = "--truncate-target",
            description = "Empty target tables that already hold rows instead of refusing to write into them.")
    boolean truncateTarget;

    @Option(names = "--max-rate", paramLabel = "RATE",
            description = "Copy at most this fast, all workers together: rows/s like 50000rows, or bytes/s like 20MB "
                    + "(default: unlimited, or 'max_rate:' in ferry.yml).")
    String maxRate;

    @Option(names = "--chunk-size", paramLabel = "SIZE", defaultValue = "auto",
            description = "Tables larger than this are split into ranges of about this size so that one big table keeps "
                    + "every worker busy and a kill loses at most a range (default: ${DEFAULT-VALUE}: 64MB ranges, but a "
                    + "table of up to 1GB that is no more than a worker's share of the copy is copied whole, frozen).")
    String chunkSize;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (bars on a terminal, log lines otherwise), bars, log or none (default: ${DEFAULT-VALUE}).")
    String progress;

    @Mixin
    ObjectFlags objects = new ObjectFlags();

    /** The snapshot options for these flags and settings; the listener and transforms are the caller's. */
    SnapshotOptions options(Settings s) {
        int j = jobs != null ? jobs : s.file().jobs() != null ? s.file().jobs() : SnapshotOptions.defaultJobs();
        if (j < 1) {
            throw FerryException.usage("--jobs must be at least 1, not " + j);
        }
        if (slotTimeoutSeconds < 1) {
            throw FerryException.usage("--slot-timeout must be at least 1 second");
        }
        Rate rate = Rate.parse(maxRate != null ? maxRate : s.file().maxRate());
        return SnapshotOptions.of(s.source(), s.target()).withTables(s.tables()).withStateSchema(s.stateSchema())
                .withJobs(j).withSlot(slot, publication, Duration.ofSeconds(slotTimeoutSeconds))
                .withCopy(truncateTarget, rate, bytes(chunkSize)).withObjects(objects.options(s));
    }

    static long bytes(String text) {
        if (text.equalsIgnoreCase("auto")) {
            return SnapshotOptions.AUTO_CHUNKS;
        }
        Rate r = Rate.parse(text.toUpperCase(Locale.ROOT).endsWith("B") ? text : text + "B");
        if (r.rows()) {
            throw FerryException.usage("--chunk-size takes a size like 64MB, or auto, not \"" + text + "\"");
        }
        if (r.perSecond() < 1) {
            throw FerryException.usage("--chunk-size must be more than 0 (or auto)");
        }
        return (long) r.perSecond();
    }
}
