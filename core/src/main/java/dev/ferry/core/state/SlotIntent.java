package dev.ferry.core.state;

/**
 * A replication slot a start was creating when it was last seen (see {@link StateStore#recordSlotIntent}).
 *
 * @param walsenderPid the source backend that ran {@code CREATE_REPLICATION_SLOT}
 */
public record SlotIntent(String slot, String sourceSystemId, int walsenderPid) {}
