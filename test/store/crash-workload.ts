// Page side of the crash tests (loaded with importSrc): the writes a browser is killed
// during, each acknowledged to the test as it completes, and the checks after reopening.
import { Engram, type EngramOptions } from '../../src/engram';
import type { CheckpointOptions } from '../../src/engine/options';
import { canonicalJson } from '../../src/store/event-log';
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

/**
 * Reports every readwrite transaction this page's IndexedDB begins and ends, so
 * the test can kill the browser while one is open (the engine must run in the page).
 */
function reportTransactions(): void {
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (
    this: IDBDatabase,
    ...args: Parameters<IDBDatabase['transaction']>
  ) {
    const tx = transaction.apply(this, args);
    if (tx.mode === 'readwrite') {
      void crashAck({ kind: 'tx', phase: 'begin' });
      const end = () => void crashAck({ kind: 'tx', phase: 'end' });
      tx.addEventListener('complete', end);
      tx.addEventListener('abort', end);
    }
    return tx;
  } as IDBDatabase['transaction'];
}

/**
 * Makes the next commit hang inside its transaction: once it has issued its writes up to
 * its first log event, the page's thread spins, so the transaction never commits and the
 * browser is killed with those writes pending.
 */
function holdInsideNextCommit(): void {
  const add = IDBObjectStore.prototype.add;
  IDBObjectStore.prototype.add = function (
    this: IDBObjectStore,
    ...args: Parameters<IDBObjectStore['add']>
  ) {
    const request = add.apply(this, args);
    if (this.name === 'events') while (Date.now() > 0); // until SIGKILL
    return request;
  };
}

/**
 * A stream of single `add()` calls (consolidation and linking on); each result is
 * acknowledged. The engine runs in the page, so its transactions are reported too.
 * With `holdAt`, add number `holdAt` hangs inside its transaction (see {@link holdInsideNextCommit}).
 */
export async function addStreamAndAck(
  name: string,
  session: number,
  count: number,
  holdAt?: number,
): Promise<void> {
  reportTransactions();
  // A low link threshold, so adds link to their neighbours and links are written too.
  const { mem } = await openCrashStore(name, { linkThreshold: 0.25, worker: false });
  for (let i = 0; i < count; i++) {
    if (i === holdAt) holdInsideNextCommit();
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
  /** What `verify()` found: derived stores against the log, the log against its chain. */
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
  // Every derived store against the log replayed, and the log against its hash chain.
  const verified = await mem.verify();
  lap('verify');
  const torn = verified.problems.map(
    (p) => `${p.code} ${p.store ?? ''} ${p.id ?? p.seq ?? p.slot ?? ''}: ${p.message}`,
  );
  await mem.close();
  return {
    stored: all.length,
    missing,
    changed,
    unsearchable,
    searched: searchIdx.length,
    texts: all.map((m) => m.memory),
    torn,
    logOk: !verified.problems.some((p) => p.code === 'ChainBroken'),
    events: verified.events,
    logs,
    openMs,
    phases,
  };
}

/** Opens the store through the Worker, adds `texts` as they are (none: adds nothing), closes it. */
export async function addAndClose(name: string, texts: string[]): Promise<void> {
  const { mem } = await openCrashStore(name);
  if (texts.length) await mem.addMany(texts.map((text) => ({ text, userId: 'u' })));
  await mem.close();
}

/** Opens the store through the Worker: how many memories it holds, and what `info()` and the log say. */
export async function openAndDescribe(
  name: string,
): Promise<{ count: number; discarded?: { createdAt: string }; logs: string[] }> {
  const { mem, logs } = await openCrashStore(name);
  const info = await mem.info();
  await mem.close();
  return { count: info.count, logs, ...(info.discarded ? { discarded: info.discarded } : {}) };
}
