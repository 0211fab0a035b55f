// Loaded by bench/add-phases.mjs: where one add() spends its time in Chromium (real IndexedDB, the
// engine on the page's thread so its internals can be timed): a store filled to N, then single
// add() calls timed per phase (bench/scale-phases.ts), with the IndexedDB transactions each add
// opens (count and mode, ms from open to complete) and the wait for the cross-tab write lock.
import { Engine } from '../src/engine/engine';
import { HashEmbedder } from '../src/embed/hash-embedder';
import type { IndexModeOption } from '../src/search/index-mode';
import { addTexts, textAt } from './scale-texts';
import { timePhases } from './scale-phases';
import { timeEach } from './workload';

let engine: Engine | undefined;
let base: string[] = [];
let filled = 0;

/** Opens a fresh store on the page's thread and fills it with `n` texts; seconds it took. */
export async function fill(texts: string[], n: number, mode: IndexModeOption): Promise<number> {
  base = texts;
  engine = await Engine.open({
    name: `bench-add-phases-${crypto.randomUUID()}`,
    embedder: new HashEmbedder({ dim: 256 }),
    backend: 'cpu',
    index: { mode },
  });
  const t0 = performance.now();
  await addTexts((items) => engine!.addMany(items), base, 0, n);
  filled = n;
  await engine.search('warm up', { reinforce: false });
  const s0 = performance.now();
  while (engine.info().indexBuilding && performance.now() - s0 < 600_000) {
    await new Promise((res) => setTimeout(res, 200));
    await engine.search('warm up', { reinforce: false });
  }
  return (performance.now() - t0) / 1000;
}

/** Totals by key (ms and calls). */
type Totals = Map<string, { ms: number; calls: number }>;
function note(totals: Totals, key: string, ms: number): void {
  const t = totals.get(key) ?? { ms: 0, calls: 0 };
  t.ms += ms;
  t.calls++;
  totals.set(key, t);
}

/**
 * Counts IndexedDB transactions (by mode and stores), their requests (by store and kind),
 * WebCrypto digests and the write lock's wait while `fn` runs.
 */
async function watched<T>(totals: Totals, fn: () => Promise<T>): Promise<T> {
  const open = IDBDatabase.prototype.transaction;
  const request = LockManager.prototype.request;
  const ops = ['put', 'add', 'get', 'getAll', 'getAllKeys', 'delete', 'count'] as const;
  const proto = IDBObjectStore.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved = ops.map((op) => proto[op]!);
  ops.forEach((op, i) => {
    proto[op] = function (this: IDBObjectStore, ...a: unknown[]) {
      note(totals, `idb requests (${this.transaction.mode} ${this.name}.${op})`, 0);
      return saved[i]!.apply(this, a);
    };
  });
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...a: unknown[]) {
    const tx = (open as (...x: unknown[]) => IDBTransaction).apply(this, a);
    const t0 = performance.now();
    const stores = [...tx.objectStoreNames].length;
    const key = `idb ${tx.mode} (${stores} stores) open → complete`;
    tx.addEventListener('complete', () => note(totals, key, performance.now() - t0));
    tx.addEventListener('abort', () => note(totals, `${key} ABORTED`, performance.now() - t0));
    return tx;
  } as typeof open;
  LockManager.prototype.request = function (this: LockManager, ...a: unknown[]) {
    const t0 = performance.now();
    const cb = a[a.length - 1] as (l: Lock | null) => unknown;
    a[a.length - 1] = (l: Lock | null) => {
      note(totals, 'web lock: request → granted', performance.now() - t0);
      return cb(l);
    };
    return (request as (...x: unknown[]) => Promise<unknown>).apply(this, a);
  } as typeof request;
  const digest = SubtleCrypto.prototype.digest;
  SubtleCrypto.prototype.digest = function (this: SubtleCrypto, ...a: unknown[]) {
    const t0 = performance.now();
    const out = (digest as (...x: unknown[]) => Promise<ArrayBuffer>).apply(this, a);
    return out.finally(() =>
      note(totals, 'WebCrypto digest: call → result', performance.now() - t0),
    );
  } as typeof digest;
  try {
    return await fn();
  } finally {
    IDBDatabase.prototype.transaction = open;
    LockManager.prototype.request = request;
    ops.forEach((op, i) => (proto[op] = saved[i]!));
    SubtleCrypto.prototype.digest = digest;
  }
}

/** `count` single add() calls: per-call ms (sorted) and the lines of the per-phase table. */
export async function adds(count: number): Promise<{ times: number[]; lines: string[] }> {
  const totals: Totals = new Map();
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  const phases = timePhases(engine!);
  const times = await watched(totals, () =>
    timeEach(count, (i) => engine!.add(textAt(base, filled + i * 7919))),
  );
  filled += count;
  phases.print(count);
  console.log = log;
  for (const [k, t] of [...totals].sort((a, b) => b[1].ms - a[1].ms))
    lines.push(`${(t.ms / count).toFixed(3).padStart(8)}  ${k} (${(t.calls / count).toFixed(2)})`);
  return { times: times.sort((a, b) => a - b), lines };
}

/** Empties and closes the store. */
export async function done(): Promise<void> {
  await engine?.reset();
  await engine?.close();
  engine = undefined;
}
