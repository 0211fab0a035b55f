// Page side of the crash tests (loaded with importSrc): the writes a browser is killed
// during, each acknowledged to the test as it completes, and the checks after reopening.
import { Engram, type EngramOptions } from '../../src/engram';
import type { CheckpointOptions } from '../../src/engine/options';
import { replay } from '../../src/memory/replay';
import { lexicalRow, type LexicalRow } from '../../src/retrieval/lexical-row';
import { canonicalJson } from '../../src/store/event-log';
import { decodeCheckpoint, type CheckpointHead } from '../../src/store/checkpoint';
import type { CheckpointData } from '../../src/store/memory-store';
import type { EventRecord, LinkRecord, MemoryRecord, MetaRecord } from '../../src/store/records';
import type { Metadata } from '../../src/types';
import { BATCH, crashItem, streamItem, type CrashAck } from './crash-items';

declare global {
  /** Exposed by the test (page.exposeFunction): one call per acknowledged write. */
  var crashAck: (ack: CrashAck) => Promise<void>;
}

/** Opens the store through the Worker with the hash embedder, capturing log lines. */
export async function openCrashStore(
  name: string,
  extra: Partial<EngramOptions> = {},
): Promise<{ mem: Engram; logs: string[]; openMs: number }> {
  const logs: string[] = [];
  const t0 = performance.now();
  const mem = await Engram.open({
    name,
    embedder: { type: 'hash', dim: 128 },
    backend: 'cpu',
    log: (m) => void logs.push(m),
    ...extra,
  });
  return { mem, logs, openMs: performance.now() - t0 };
}

/** `addMany` of {@link BATCH} items; each committed chunk is acknowledged. Never resolves usefully: the test kills it. */
export async function addManyAndAck(name: string, session: number): Promise<void> {
  const { mem } = await openCrashStore(name);
  const items = Array.from({ length: BATCH }, (_, i) => crashItem(session, i));
  await mem.addMany(items, ({ done }) => void crashAck({ kind: 'chunk', session, done }));
}

/** A stream of single `add()` calls (consolidation on); each result is acknowledged. */
export async function addStreamAndAck(name: string, session: number, count: number): Promise<void> {
  // A low link threshold, so adds link to their neighbours and links are written too.
  const { mem } = await openCrashStore(name, { linkThreshold: 0.25 });
  for (let i = 0; i < count; i++) {
    const { text, ...options } = streamItem(session, i);
    const { results } = await mem.add(text, options);
    void crashAck({ kind: 'add', session, i, results });
  }
}

/**
 * For the idle-checkpoint test: `addMany` of `count` notes, then waits for the idle
 * checkpoint (acknowledging its seq), then writes after it — adds, an update of
 * note 5, a delete of note 7 — each acknowledged. The engine is never closed.
 */
export async function checkpointThenWrite(
  name: string,
  session: number,
  count: number,
  checkpoint: CheckpointOptions,
): Promise<void> {
  let written!: (seq: number) => void;
  const checkpointed = new Promise<number>((resolve) => (written = resolve));
  const mem = await Engram.open({
    name,
    embedder: { type: 'hash', dim: 128 },
    backend: 'cpu',
    checkpoint,
    log: (m) => {
      const seq = /checkpoint written at seq (\d+) \(idle\)/.exec(m)?.[1];
      if (seq) written(Number(seq));
    },
  });
  const items = Array.from({ length: count }, (_, i) => crashItem(session, i));
  const { results } = await mem.addMany(
    items,
    ({ done }) => void crashAck({ kind: 'chunk', session, done }),
  );
  void crashAck({ kind: 'checkpoint', seq: await checkpointed });
  for (let i = 0; i < 3; i++) {
    const { text, ...options } = streamItem(session, i);
    void crashAck({ kind: 'add', session, i, results: (await mem.add(text, options)).results });
  }
  const text = `session ${session} note 5: rewritten after the checkpoint`;
  await mem.update(results[5]!.id, text);
  void crashAck({ kind: 'update', id: results[5]!.id, text });
  await mem.delete(results[7]!.id);
  void crashAck({ kind: 'delete', id: results[7]!.id });
}

/** A memory as the test expects to find it. */
export interface Expected {
  text: string;
  userId: string;
  metadata: Metadata;
  /** Known when the write returned it (add). */
  id?: string;
}

/** What a reopened store holds compared with what was acknowledged. */
export interface Inspection {
  stored: number;
  /** Acknowledged memories not found (by text). */
  missing: string[];
  /** Found, but with another id, scope or metadata. */
  changed: string[];
  /** Searched by their own text, not ranked first. */
  unsearchable: string[];
  searched: number;
  /** Texts of every active memory (for the test's accounting of unacknowledged writes). */
  texts: string[];
  /** Problems of the derived stores against the log. */
  torn: string[];
  logOk: boolean;
  events: number;
  logs: string[];
  openMs: number;
  /** Milliseconds per step of the inspection. */
  phases: Record<string, number>;
}

/**
 * Reopens a store and checks it: every expected memory present and identical,
 * those at `searchIdx` found first by their own text, and the derived stores
 * (records, past versions, vectors, lexical rows, links, checkpoint, meta) equal
 * to a replay of the hash-checked log.
 */
export async function inspectStore(
  name: string,
  expected: Expected[],
  searchIdx: number[],
  extra: Partial<EngramOptions> = {},
): Promise<Inspection> {
  const { mem, logs, openMs } = await openCrashStore(name, { reinforceOnSearch: false, ...extra });
  const phases: Record<string, number> = {};
  let t = performance.now();
  const lap = (what: string) => {
    phases[what] = Math.round(performance.now() - t);
    t = performance.now();
  };
  const all = (await mem.getAll({ limit: Number.MAX_SAFE_INTEGER })).results;
  lap('getAll');
  const byText = new Map(all.map((m) => [m.memory, m]));
  const missing: string[] = [];
  const changed: string[] = [];
  for (const e of expected) {
    const m = byText.get(e.text);
    if (!m) missing.push(e.text);
    else if (
      (e.id !== undefined && m.id !== e.id) ||
      m.userId !== e.userId ||
      canonicalJson(m.metadata) !== canonicalJson(e.metadata)
    )
      changed.push(e.text);
  }
  const unsearchable: string[] = [];
  for (const k of searchIdx) {
    const e = expected[k]!;
    const want = byText.get(e.text)?.id;
    const top = (await mem.search(e.text, { userId: e.userId, limit: 1 })).results[0];
    if (!want || top?.id !== want) unsearchable.push(e.text);
  }
  lap('search');
  const log = await mem.verifyLog();
  lap('verifyLog');
  const dump = await mem.dump();
  lap('dump');
  const torn = await tornState(dump);
  lap('torn');
  await mem.close();
  return {
    stored: all.length,
    missing,
    changed,
    unsearchable,
    searched: searchIdx.length,
    texts: all.map((m) => m.memory),
    torn,
    logOk: log.ok,
    events: log.events,
    logs,
    openMs,
    phases,
  };
}

/** Differences between a raw dump's derived stores and a replay of its log. */
async function tornState(dump: Record<string, unknown[]>): Promise<string[]> {
  const problems: string[] = [];
  const events = dump.events as EventRecord[];
  const meta = (dump.meta as MetaRecord[])[0]!;
  const last = events[events.length - 1];
  if (meta.lastSeq !== (last?.seq ?? 0) || meta.lastHash !== (last?.hash ?? ''))
    problems.push(`meta at seq ${meta.lastSeq}, log ends at ${last?.seq ?? 0}`);
  const { state, nextSlot } = replay(events);
  if (meta.nextSlot !== nextSlot) problems.push(`nextSlot ${meta.nextSlot}, log ${nextSlot}`);
  const same = (what: string, stored: unknown[], want: unknown[], key: (r: never) => string) => {
    const a = new Map(stored.map((r) => [key(r as never), canonicalJson(r)]));
    const b = new Map(want.map((r) => [key(r as never), canonicalJson(r)]));
    let bad = a.size === b.size ? 0 : 1;
    for (const [k, v] of b) if (a.get(k) !== v) bad++;
    if (bad) problems.push(`${what}: ${bad} differ (${a.size} stored, ${b.size} from the log)`);
  };
  const memKey = (r: MemoryRecord) => r.id;
  const verKey = (r: MemoryRecord) => `${r.id}#${r.version}`;
  const linkKey = (r: LinkRecord) => `${r.from}\u0000${r.to}`;
  const lexKey = (r: LexicalRow) => r.id;
  same('memories', dump.memories!, state.memories, memKey);
  same('versions', dump.versions!, state.versions, verKey);
  same('links', dump.links!, state.links, linkKey);
  const active = state.memories.filter((m) => m.state === 'active');
  same(
    'lexical',
    dump.lexical!,
    active.flatMap((m) => lexicalRow(m) ?? []),
    lexKey,
  );
  // Vectors: every slot the log wrote, read back from its block or the tail.
  const blocks = dump.vectorBlocks as ArrayBuffer[];
  const tail = new Map<number, ArrayBuffer>();
  // dump() lists tail rows in key (slot) order; their slots are the ones past the sealed blocks.
  const sealed = blocks.length * meta.blockRows;
  const tailSlots = state.vectors
    .map((v) => v.slot)
    .filter((s) => s >= sealed)
    .sort((a, b) => a - b);
  (dump.vectorTail as ArrayBuffer[]).forEach((b, i) => tail.set(tailSlots[i] ?? -1, b));
  if (tail.size !== tailSlots.length)
    problems.push(`vectorTail: ${tail.size} rows, ${tailSlots.length} expected`);
  let badVectors = 0;
  for (const { slot, vector } of state.vectors) {
    const src =
      slot < sealed
        ? blocks[Math.floor(slot / meta.blockRows)]!.slice(
            (slot % meta.blockRows) * meta.dim * 4,
            ((slot % meta.blockRows) + 1) * meta.dim * 4,
          )
        : tail.get(slot);
    const row = src ? new Float32Array(src) : undefined;
    if (!row || row.length !== vector.length || row.some((x, j) => x !== vector[j])) badVectors++;
  }
  if (badVectors) problems.push(`vectors: ${badVectors} rows differ from the log`);
  // The checkpoint, when there is one: whole, not ahead of the log, equal to a replay up to its seq.
  const [head, ...chunks] = dump.checkpoints as (CheckpointHead | string)[];
  if (head !== undefined) {
    const read =
      typeof head === 'object' ? await decodeCheckpoint<CheckpointData>(head, chunks) : undefined;
    const data = read && 'value' in read ? read.value : undefined;
    if (typeof head !== 'object' || !data) problems.push('checkpoint: torn');
    else if (head.seq > meta.lastSeq)
      problems.push(`checkpoint at ${head.seq} > log ${meta.lastSeq}`);
    else {
      const then = replay(events.filter((e) => e.seq <= head.seq)).state;
      const active = then.memories.filter((m) => m.state === 'active');
      same('checkpoint memories', data.memories, then.memories, memKey);
      same('checkpoint versions', data.versions, then.versions, verKey);
      same('checkpoint links', data.links, then.links, linkKey);
      same(
        'checkpoint lexical',
        data.lexical,
        active.flatMap((m) => lexicalRow(m) ?? []),
        lexKey,
      );
    }
  }
  return problems;
}
