package dev.ferry.cli;

import dev.ferry.core.Db;
import dev.ferry.core.FerryException;
import dev.ferry.core.ServerErrors;
import dev.ferry.core.catalog.PartitionRoots;
import dev.ferry.transforms.TableId;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import dev.ferry.transforms.Lookup;
import dev.ferry.transforms.TransformChain;
import dev.ferry.transforms.TransformContext;
import dev.ferry.transforms.config.TransformConfig;

/** Builds the transform chain configured under {@code transforms:} in ferry.yml. */
final class Transforms {
    private Transforms() {}

    /**
     * @param lookup reads other source tables for enrichment; null where no lookup is possible (diff)
     */
    static TransformChain chain(Settings settings, Lookup lookup) {
        TransformChain configured = configured(settings, lookup);
        return settings.inPlace() == null ? configured : settings.inPlace().extend(configured);
    }

    /** The chain of ferry.yml alone, without what an in-place run adds around it. */
    static TransformChain configured(Settings settings, Lookup lookup) {
        if (settings.file().transforms() == null || settings.file().transforms().isEmpty()) {
            return TransformChain.identity();
        }
        TransformChain chain;
        try {
            chain = TransformConfig.build(settings.file().transforms(),
                    lookup == null ? TransformContext.NONE : TransformContext.of(lookup));
        } catch (IllegalArgumentException e) {
            throw FerryException.usage(e.getMessage());
        }
        return settings.source() == null ? chain : chain.withPartitions(partitionRoots(settings));
    }

    /** The source's partition trees, so that a transform of a partitioned table reaches its partitions' rows. */
    private static Map<TableId, TableId> partitionRoots(Settings settings) {
        try (Connection c = Db.open(settings.source(), "source", "partition trees")) {
            return PartitionRoots.read(c);
        } catch (SQLException e) {
            throw ServerErrors.during("reading the partition trees", "source", e);
        }
    }
}
