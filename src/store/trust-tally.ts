// Trust evidence per source, summed from the events that carry it: kept in the meta record,
// written in the transaction that logs the events (so it survives reopen and follows other tabs).
import type { NewEvent } from './event-log';
import { isTombstone, type EventRecord, type TrustTally } from './records';

/**
 * The tallies after some events: `base` plus each event's `evidence`. A list, not an object
 * keyed by source: a source is any string (`'__proto__'` included).
 * @param base - the tallies so far (the meta record's `trust`)
 * @param events - events in log order (tombstones carry none)
 * @returns `base` itself when no event carries evidence, else a new list
 */
export function tallyEvidence(
  base: readonly TrustTally[] | undefined,
  events: readonly (NewEvent | EventRecord)[],
): TrustTally[] | undefined {
  let out: Map<string, TrustTally> | undefined;
  for (const e of events) {
    if (isTombstone(e.payload)) continue;
    for (const { source, outcome } of e.payload.evidence ?? []) {
      out ??= new Map((base ?? []).map((t) => [t.source, { ...t }]));
      let t = out.get(source);
      if (!t) out.set(source, (t = { source, confirmed: 0, contradicted: 0 }));
      t[outcome]++;
    }
  }
  return out ? [...out.values()] : base?.slice();
}
