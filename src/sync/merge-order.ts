// The one order in which every replica applies the union of synced events.
// Each device's events keep their own order (their seq in that device's log:
// causality within a device holds even when its clock steps back); the
// devices' sequences are interleaved by (recorded time, hash): of the next
// event of each device, the earliest goes first, ties broken by the smaller
// hash. Two replicas holding the same events order them the same way, however
// they were received.
import type { EventRecord } from '../store/records';

/** The name of an event on every replica: the hash it was first logged with. */
export function eventName(e: EventRecord): string {
  return e.origin?.hash ?? e.hash;
}

/** The device an event was first logged on; `''` for this store's own events. */
function deviceOf(e: EventRecord): string {
  return e.origin?.device ?? '';
}

/** The event's seq in its own device's log. */
function originSeq(e: EventRecord): number {
  return e.origin?.seq ?? e.seq;
}

/** True when `a` goes before `b` (heads of two devices' sequences). */
function before(a: EventRecord, b: EventRecord): boolean {
  if (a.at !== b.at) return a.at < b.at;
  return eventName(a) < eventName(b);
}

/**
 * Events in merge order (see the file comment). A log with no synced event is
 * returned in its own order, unchanged.
 * @param events - any events of one store (e.g. its whole log, or one memory's events)
 */
export function mergeOrder(events: readonly EventRecord[]): EventRecord[] {
  if (!events.some((e) => e.origin)) return [...events];
  const byDevice = new Map<string, EventRecord[]>();
  for (const e of events) {
    const list = byDevice.get(deviceOf(e));
    if (list) list.push(e);
    else byDevice.set(deviceOf(e), [e]);
  }
  const queues = [...byDevice.values()].map((q) => q.sort((a, b) => originSeq(a) - originSeq(b)));
  const next = queues.map(() => 0);
  const out: EventRecord[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < queues.length; i++) {
      const head = queues[i]![next[i]!];
      if (head && (pick < 0 || before(head, queues[pick]![next[pick]!]!))) pick = i;
    }
    if (pick < 0) return out;
    out.push(queues[pick]![next[pick]!++]!);
  }
}
