// verify(): every derived store checked against the event log, and the log
// against its hash chain. The expected state is the log replayed by `replay()`
// (the same code `rebuild()` writes from), so a clean report means a rebuild
// would change nothing. A read: one readonly transaction, no write lock.
import type { EngineCore } from '../engine/core';
import { decodeCheckpoint } from '../store/checkpoint';
import { LAYOUT_KEY } from '../store/index-layout-io';
import type { StoredContents } from '../store/contents';
import { canonicalJson, chainedPart, sha256Hex } from '../store/event-log';
import {
  isTombstone,
  type EventRecord,
  type LexicalRowOf,
  type MemoryRecord,
  type MetaRecord,
} from '../store/records';
import { blockReadable, rowReadable } from '../store/vector-blocks';
import { replay } from './replay';

/**
 * What a {@link VerifyProblem} found:
 * - `ChainBroken`: a log event whose payload or hash does not verify, that does not follow
 *   the previous one (gap, wrong `prevHash`), or that was rewritten and re-hashed (the next
 *   event chained to another hash); named by its `seq`. `rebuild()` refuses such a log.
 * - `MetaMismatch`: the meta record is missing or unreadable, or disagrees with the log
 *   (last seq, last hash, next vector slot) or with the embedder.
 * - `RecordMismatch`: a current memory record differs from what the log replays to, is
 *   missing, or is not in the log (`id`).
 * - `VersionMismatch`: the same for a past version (`id`, version in the message).
 * - `VectorMismatch`: a stored vector row differs from the vector in the log (`slot`, `id`
 *   when known), or a block or tail row is unreadable.
 * - `LexicalMismatch`: a lexical row differs from the analysis of the record the log
 *   replays to, is missing, or belongs to no searchable memory (`id`).
 * - `LinkMismatch`: a link differs from, is missing from, or is not in the log (`id`: from).
 * - `CheckpointMismatch`: the checkpoint is unreadable (torn, damaged, older format) or its
 *   records differ from what the log replays to at its seq. Opening does not use an
 *   unreadable checkpoint; `rebuild()` deletes it.
 *
 * Every problem but `ChainBroken` and a `MetaMismatch` about the log's end (last seq or
 * hash) concerns derived data: `rebuild()` repairs it (and refuses those two).
 */
export type VerifyCode =
  | 'ChainBroken'
  | 'MetaMismatch'
  | 'RecordMismatch'
  | 'VersionMismatch'
  | 'VectorMismatch'
  | 'LexicalMismatch'
  | 'LinkMismatch'
  | 'CheckpointMismatch';

/** One mismatch found by `verify()`. */
export interface VerifyProblem {
  code: VerifyCode;
  /** The log event concerned (`ChainBroken`, and `MetaMismatch` about the last event). */
  seq?: number;
  /** The memory concerned. */
  id?: string;
  /** The object store where it was found. */
  store?: string;
  /** The vector slot concerned (`VectorMismatch`). */
  slot?: number;
  /** What is wrong, in words. */
  message: string;
}

/** What `verify()` found. */
export interface VerifyReport {
  /** True when no problem was found. */
  ok: boolean;
  /** Events in the log. */
  events: number;
  /** Memories (current versions, any state) the log replays to. */
  memories: number;
  /** Every mismatch found (empty when `ok`). */
  problems: VerifyProblem[];
}

/** Events hashed per batch (WebCrypto calls in flight at once). */
const HASH_BATCH = 512;

/** Whether `replay()` can read an event (its payload has the shapes it relies on). */
function replayable(e: EventRecord): boolean {
  const p: unknown = e.payload;
  if (!p || typeof p !== 'object') return false;
  if (isTombstone(p as EventRecord['payload'])) return true;
  const q = p as Record<string, unknown>;
  const rec = (r: unknown) =>
    r === undefined ||
    (!!r &&
      typeof r === 'object' &&
      typeof (r as MemoryRecord).id === 'string' &&
      typeof (r as MemoryRecord).slot === 'number');
  return (
    rec(q.memory) &&
    rec(q.previous) &&
    (q.vector === undefined || q.vector instanceof ArrayBuffer) &&
    (q.patch === undefined || (!!q.patch && typeof q.patch === 'object')) &&
    (q.links === undefined || Array.isArray(q.links)) &&
    (q.slots === undefined || Array.isArray(q.slots))
  );
}

/** Checks the hash chain event by event; returns the seqs found bad (with problems pushed). */
async function checkChain(
  events: readonly EventRecord[],
  problems: VerifyProblem[],
): Promise<Set<number>> {
  const bad = new Set<number>();
  const report = (seq: number, message: string) => {
    if (bad.has(seq)) return;
    bad.add(seq);
    problems.push({ code: 'ChainBroken', seq, store: 'events', message });
  };
  const own: boolean[] = [];
  const payload: boolean[] = [];
  for (let i = 0; i < events.length; i += HASH_BATCH) {
    const batch = events.slice(i, i + HASH_BATCH);
    const [a, b] = await Promise.all([
      Promise.all(
        batch.map(async (e) => {
          const { hash, ...rest } = e;
          try {
            return (await sha256Hex(chainedPart(rest))) === hash;
          } catch {
            return false;
          }
        }),
      ),
      Promise.all(
        batch.map(async (e) => {
          if (!e.payload || typeof e.payload !== 'object') return false;
          if (isTombstone(e.payload)) return true;
          try {
            return (await sha256Hex(canonicalJson(e.payload))) === e.payloadHash;
          } catch {
            return false;
          }
        }),
      ),
    ]);
    own.push(...a);
    payload.push(...b);
  }
  let prevSeq = 0;
  let prevHash = '';
  events.forEach((e, i) => {
    if (e.seq !== prevSeq + 1) report(e.seq, `gap in the log: seq ${e.seq} follows ${prevSeq}`);
    if (!payload[i]) report(e.seq, 'payload does not match its payloadHash');
    if (!own[i]) report(e.seq, 'event does not match its hash');
    if (e.prevHash !== prevHash) {
      // This event chains to a hash the previous one no longer has. When this event itself
      // verifies, it is intact: the previous one was rewritten (and re-hashed).
      if (own[i] && i > 0)
        report(events[i - 1]!.seq, 'event was rewritten: the next event chained to another hash');
      else report(e.seq, 'prevHash does not match the previous event');
    }
    prevSeq = e.seq;
    prevHash = e.hash;
  });
  return bad;
}

/** Top-level fields whose canonical JSON differs between two records. */
function differingFields(a: unknown, b: unknown): string[] {
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return ['(whole record)'];
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])]
    .filter((k) => canonicalJson(x[k]) !== canonicalJson(y[k]))
    .sort();
}

/**
 * Compares stored records with expected ones by key; pushes one problem per record missing,
 * extra or different.
 */
function compareRecords(
  stored: readonly unknown[],
  expected: readonly unknown[],
  keyOf: (r: unknown) => string | undefined,
  idOf: (r: unknown) => string | undefined,
  problem: (p: { id?: string; message: string }) => void,
  what: string,
): void {
  const want = new Map<string, unknown>();
  for (const r of expected) want.set(keyOf(r)!, r);
  const seen = new Set<string>();
  for (const r of stored) {
    const key = keyOf(r);
    const id = idOf(r);
    const at = id === undefined ? {} : { id };
    if (key === undefined) {
      problem({ ...at, message: `unreadable ${what}` });
      continue;
    }
    seen.add(key);
    const w = want.get(key);
    if (w === undefined) problem({ ...at, message: `${what} ${key} is not in the log` });
    else if (canonicalJson(r) !== canonicalJson(w))
      problem({
        ...at,
        message: `${what} ${key} differs from the log in ${differingFields(r, w).join(', ')}`,
      });
  }
  for (const [key, w] of want)
    if (!seen.has(key)) {
      const id = idOf(w);
      problem({ ...(id === undefined ? {} : { id }), message: `${what} ${key} is missing` });
    }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const idOf = (r: unknown) => str((r as { id?: unknown } | undefined)?.id);
const memoryKey = idOf;
const versionKey = (r: unknown) => {
  const v = r as { id?: unknown; version?: unknown } | undefined;
  return typeof v?.id === 'string' && typeof v.version === 'number'
    ? `${v.id}#${v.version}`
    : undefined;
};
const linkKey = (r: unknown) => {
  const l = r as { from?: unknown; to?: unknown } | undefined;
  return typeof l?.from === 'string' && typeof l.to === 'string'
    ? `${l.from} → ${l.to}`
    : undefined;
};
const linkFrom = (r: unknown) => str((r as { from?: unknown } | undefined)?.from);

/** Vector rows as the store holds them compared with the log's. */
function checkVectors(
  c: StoredContents,
  meta: MetaRecord,
  expected: Map<number, Float32Array>,
  owner: Map<number, string>,
  problems: VerifyProblem[],
): void {
  const { dim, blockRows } = meta;
  const zero = new Float32Array(dim);
  const stored = new Map<number, Float32Array>();
  const source = new Map<number, 'vectorBlocks' | 'vectorTail'>();
  const unreadable = new Set<number>();
  const at = (slot: number) => {
    const id = owner.get(slot);
    return id === undefined ? { slot } : { slot, id };
  };
  c.vectorBlocks.keys.forEach((block, i) => {
    const value = c.vectorBlocks.values[i];
    const first = block * blockRows;
    if (!blockReadable(value, meta)) {
      problems.push({
        code: 'VectorMismatch',
        store: 'vectorBlocks',
        slot: first,
        message: `vector block ${block} (slots ${first}..${first + blockRows - 1}) is unreadable`,
      });
      for (let s = first; s < first + blockRows; s++) unreadable.add(s);
      return;
    }
    for (let r = 0; r < blockRows; r++) {
      stored.set(first + r, new Float32Array(value, r * dim * 4, dim));
      source.set(first + r, 'vectorBlocks');
    }
  });
  c.vectorTail.keys.forEach((slot, i) => {
    const value = c.vectorTail.values[i];
    unreadable.delete(slot); // the tail row is the one read
    if (!rowReadable(value, meta)) {
      problems.push({
        code: 'VectorMismatch',
        store: 'vectorTail',
        ...at(slot),
        message: `vector row of slot ${slot} is unreadable`,
      });
      unreadable.add(slot);
      stored.delete(slot);
      return;
    }
    stored.set(slot, new Float32Array(value));
    source.set(slot, 'vectorTail');
  });
  let end = meta.nextSlot;
  for (const s of expected.keys()) end = Math.max(end, s + 1);
  for (let slot = 0; slot < end; slot++) {
    if (unreadable.has(slot)) continue;
    const want = expected.get(slot) ?? zero;
    const got = stored.get(slot) ?? zero;
    const a = new Uint32Array(want.buffer, want.byteOffset, dim);
    const b = new Uint32Array(got.buffer, got.byteOffset, dim);
    let same = true;
    for (let k = 0; k < dim && same; k++) same = a[k] === b[k];
    if (!same)
      problems.push({
        code: 'VectorMismatch',
        store: source.get(slot) ?? 'vectorTail',
        ...at(slot),
        message: expected.has(slot)
          ? `vector of slot ${slot} differs from the one in the log`
          : `slot ${slot} holds a vector the log does not (erased or never written)`,
      });
  }
}

/**
 * The analysis, remembered per memory version: the checkpoint's records are mostly the
 * current ones, and analysing a text (dates, time words) is verify's dearest step.
 */
function cachedAnalysis(lexicalRow: LexicalRowOf): LexicalRowOf {
  const seen = new Map<string, { json: string; row: ReturnType<LexicalRowOf> }>();
  return (m) => {
    const json = canonicalJson(m);
    const hit = seen.get(m.id);
    if (hit?.json === json) return hit.row;
    const row = lexicalRow(m);
    seen.set(m.id, { json, row });
    return row;
  };
}

/** The checkpoint compared with the log replayed up to its seq. */
async function checkCheckpoint(
  c: StoredContents,
  events: readonly EventRecord[],
  lastSeq: number,
  lexicalRow: LexicalRowOf,
  problems: VerifyProblem[],
): Promise<void> {
  // The index layout (LAYOUT_KEY) is a search hint, not a copy of records: not compared.
  if (c.checkpoints.keys.every((k) => k === LAYOUT_KEY)) return;
  const problem = (message: string, id?: string) =>
    problems.push({
      code: 'CheckpointMismatch',
      store: 'checkpoints',
      ...(id === undefined ? {} : { id }),
      message,
    });
  const head = c.checkpoints.values[c.checkpoints.keys.indexOf(-1)];
  const chunks = c.checkpoints.values.filter((_v, i) => c.checkpoints.keys[i]! >= 0);
  const read = await decodeCheckpoint(head, chunks);
  if ('reason' in read) return void problem(`the checkpoint is unreadable: ${read.reason}`);
  const seq = (head as { seq: number }).seq;
  if (seq > lastSeq) return void problem(`the checkpoint is at seq ${seq}, past the log's end`);
  const at = replay(events.filter((e) => e.seq <= seq)).state;
  const data = read.value;
  const list = (v: unknown) => (Array.isArray(v) ? (v as unknown[]) : []);
  const p = (m: { id?: string; message: string }) => problem(`checkpoint: ${m.message}`, m.id);
  compareRecords(list(data.memories), at.memories, memoryKey, idOf, p, 'memory');
  compareRecords(list(data.versions), at.versions, versionKey, idOf, p, 'version');
  compareRecords(list(data.links), at.links, linkKey, linkFrom, p, 'link');
  const rows = at.memories.flatMap((m) => lexicalRow(m) ?? []);
  compareRecords(list(data.lexical), rows, memoryKey, idOf, p, 'lexical row');
}

/**
 * Cross-checks every derived store against the log and the log against its hash chain
 * (see {@link VerifyCode}). Writes nothing and takes no write lock.
 * @param core - the open engine
 * @param lexicalRow - the analysis of a record into its lexical row
 */
export async function verify(core: EngineCore, lexicalRow: LexicalRowOf): Promise<VerifyReport> {
  await core.ready();
  const c = await core.store.readContents();
  const problems: VerifyProblem[] = [];
  const events = c.events;
  const broken = await checkChain(events, problems);
  const readable = events.filter((e) => {
    if (replayable(e)) return true;
    if (!broken.has(e.seq))
      problems.push({
        code: 'ChainBroken',
        seq: e.seq,
        store: 'events',
        message: 'payload cannot be replayed',
      });
    return false;
  });
  const { state, nextSlot } = replay(readable);
  const last = events[events.length - 1];

  // Meta.
  const meta = c.meta as Partial<MetaRecord> | undefined;
  const metaProblem = (message: string, seq?: number) =>
    problems.push({
      code: 'MetaMismatch',
      store: 'meta',
      ...(seq === undefined ? {} : { seq }),
      message,
    });
  const metaOk =
    !!meta &&
    typeof meta === 'object' &&
    typeof meta.dim === 'number' &&
    typeof meta.blockRows === 'number' &&
    Number.isInteger(meta.blockRows) &&
    meta.blockRows > 0 &&
    typeof meta.nextSlot === 'number';
  if (!metaOk) metaProblem('the meta record is missing or unreadable');
  else {
    if (meta.lastSeq !== (last?.seq ?? 0))
      metaProblem(`meta.lastSeq is ${meta.lastSeq}, the log ends at ${last?.seq ?? 0}`);
    if (meta.lastHash !== (last?.hash ?? ''))
      metaProblem(
        "meta.lastHash differs from the last event's hash (the last event or meta was rewritten)",
        last?.seq,
      );
    if (meta.nextSlot! < nextSlot)
      metaProblem(`meta.nextSlot is ${meta.nextSlot}, the log uses slots up to ${nextSlot - 1}`);
    if (meta.dim !== core.embedder.dim || meta.embedderId !== core.embedder.id)
      metaProblem(`meta names embedder ${meta.embedderId} (${meta.dim}-d), not the one open`);
  }

  // Records, versions, links, lexical rows.
  const push =
    (code: VerifyCode, store: string) =>
    (p: { id?: string; message: string }): void =>
      void problems.push({ code, store, ...p });
  compareRecords(
    c.memories,
    state.memories,
    memoryKey,
    idOf,
    push('RecordMismatch', 'memories'),
    'memory',
  );
  compareRecords(
    c.versions,
    state.versions,
    versionKey,
    idOf,
    push('VersionMismatch', 'versions'),
    'version',
  );
  compareRecords(c.links, state.links, linkKey, linkFrom, push('LinkMismatch', 'links'), 'link');
  const analyse = cachedAnalysis(lexicalRow);
  let rows = state.memories.flatMap((m) => analyse(m) ?? []);
  if (meta?.lexicalDropped) {
    // Dropped to free space (a cache, re-derived at open): only rows still stored are compared.
    const storedIds = new Set(c.lexical.map(idOf));
    rows = rows.filter((r) => storedIds.has(r.id));
  }
  compareRecords(
    c.lexical,
    rows,
    memoryKey,
    idOf,
    push('LexicalMismatch', 'lexical'),
    'lexical row',
  );

  // Vectors.
  if (metaOk) {
    const owner = new Map<number, string>();
    for (const r of [...state.versions, ...state.memories]) owner.set(r.slot, r.id);
    const expected = new Map(state.vectors.map((v) => [v.slot, v.vector]));
    checkVectors(c, meta as MetaRecord, expected, owner, problems);
  }

  await checkCheckpoint(c, readable, last?.seq ?? 0, analyse, problems);
  return {
    ok: problems.length === 0,
    events: events.length,
    memories: state.memories.length,
    problems,
  };
}
