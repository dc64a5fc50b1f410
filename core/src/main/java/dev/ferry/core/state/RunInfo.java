package dev.ferry.core.state;

import dev.ferry.core.Lsn;
import java.time.Instant;

/**
 * The run recorded on the target.
 *
 * @param source         the source's redacted URI (never a password)
 * @param sourceSystemId {@code pg_control_system()} identifier, so a run is never resumed against another server
 * @param consistentLsn  the slot's consistent point: the snapshot shows exactly the state at this LSN
 * @param snapshotName   the exported snapshot's name while its exporting session lives, or null
 */
public record RunInfo(String source, String sourceSystemId, String slot, String publication, Lsn consistentLsn,
                      String snapshotName, Phase phase, Instant startedAt) {}
