// A memory record as the engine stores one, for tests that build records by hand.
import type { MemoryRecord } from '../../src/store/records';

/**
 * An active first version with every field the engine always writes (timestamps from `at`).
 * @param id - memory id
 * @param text - its text
 * @param slot - its vector slot
 * @param at - its timestamps (ms since epoch)
 */
export function memoryRecord(id: string, text: string, slot: number, at = 1_700_000_000_000) {
  return {
    id,
    text,
    metadata: {},
    createdAt: at,
    updatedAt: at,
    version: 1,
    state: 'active',
    slot,
    validFrom: at,
    recordedAt: at,
    strength: 1,
    lastRecalledAt: at,
  } satisfies MemoryRecord as MemoryRecord;
}
