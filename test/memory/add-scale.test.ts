// Issue 15, write path: what one add() (default options: facts inferred and consolidated,
// links made) reads does not grow with the store. Operation counts, not times, so the test
// holds on a loaded machine: passes over the vector index, consolidation candidates scored,
// records read from IndexedDB.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { MemoryState } from '../../src/engine/memory-state';
import {
  hybridSearch,
  syncedRetriever,
  type RetrievalState,
} from '../../src/retrieval/engine-search';

const TOPICS = ['garden', 'meeting', 'recipe', 'guitar', 'trip', 'budget', 'novel', 'bike'];

/** Facts added one by one (distinct: each is an ADD). */
const NEW = [
  'My sister Ada moved to Lisbon last May',
  'I am allergic to peanuts and shellfish',
  'Our team ships the release on Fridays',
  'I ride a blue bicycle to the office',
  'My favourite composer is Arvo Part',
];

/** The i-th filler memory: distinct words, a topic shared with many others. */
function filler(i: number): string {
  return `note ${i} about the ${TOPICS[i % TOPICS.length]} and item${i} number ${i * 7}`;
}

/**
 * Counts IndexedDB records read (gets, getAll results, cursor steps) and written (puts, adds,
 * deletes) while installed.
 */
function countReads(): { reads: number; writes: number; restore: () => void } {
  const counter = { reads: 0, writes: 0, restore: () => {} };
  const patched: [object, string, unknown][] = [];
  const patch = (proto: object, name: string, count: (req: IDBRequest) => void) => {
    const orig = (proto as Record<string, unknown>)[name] as (...a: unknown[]) => IDBRequest;
    patched.push([proto, name, orig]);
    (proto as Record<string, unknown>)[name] = function (this: unknown, ...a: unknown[]) {
      const req = orig.apply(this, a);
      req.addEventListener('success', () => count(req));
      return req;
    };
  };
  const one = (req: IDBRequest) => (counter.reads += req.result === undefined ? 0 : 1);
  const many = (req: IDBRequest) => (counter.reads += (req.result as unknown[]).length);
  for (const proto of [IDBObjectStore.prototype, IDBIndex.prototype]) {
    patch(proto, 'get', one);
    patch(proto, 'getKey', one);
    patch(proto, 'getAll', many);
    patch(proto, 'getAllKeys', many);
    patch(proto, 'openCursor', one);
    patch(proto, 'openKeyCursor', one);
  }
  for (const name of ['put', 'add', 'delete'])
    patch(IDBObjectStore.prototype, name, () => counter.writes++);
  const cont = IDBCursor.prototype.continue;
  IDBCursor.prototype.continue = function (this: IDBCursor, key?: IDBValidKey) {
    counter.reads++;
    return cont.call(this, key);
  };
  counter.restore = () => {
    for (const [proto, name, orig] of patched) (proto as Record<string, unknown>)[name] = orig;
    IDBCursor.prototype.continue = cont;
  };
  return counter;
}

interface AddCounts {
  /** Calls of the vector index's search per add(). */
  indexPasses: number;
  /** Most hits one index search was asked for. */
  maxK: number;
  /** IndexedDB records read per add(). */
  reads: number;
  /** IndexedDB records written (put, added, deleted) per add(). */
  writes: number;
}

/** Fills a fresh store with `n` memories, then counts what single add() calls do. */
async function addCounts(n: number): Promise<AddCounts> {
  const e = await Engine.open({
    name: `add-scale-${n}-${crypto.randomUUID()}`,
    embedder: new HashEmbedder({ dim: 64 }),
    backend: 'cpu',
  });
  try {
    const items = Array.from({ length: n }, (_, i) => ({ text: filler(i) }));
    for (let i = 0; i < n; i += 1000) await e.addMany(items.slice(i, i + 1000));
    await e.add('warm up: I like the garden in spring'); // first add: open-time work done
    const state = (e as unknown as { state: MemoryState }).state;
    const search = state.index.search.bind(state.index);
    let passes = 0;
    let maxK = 0;
    state.index.search = (q, k, allow) => {
      passes++;
      maxK = Math.max(maxK, k);
      return search(q, k, allow);
    };
    const reads = countReads();
    try {
      for (const text of NEW) {
        const r = await e.add(text);
        expect(r.results.map((x) => x.event)).toEqual(['ADD']);
      }
    } finally {
      reads.restore();
    }
    return {
      indexPasses: passes / NEW.length,
      maxK,
      reads: reads.reads / NEW.length,
      writes: reads.writes / NEW.length,
    };
  } finally {
    await e.close();
  }
}

describe('scale: one add() as the store grows 10×', () => {
  let small: AddCounts;
  let big: AddCounts;
  beforeAll(async () => {
    small = await addCounts(300);
    big = await addCounts(3000);
  }, 60_000); // as the node project's testTimeout: filling 3,300 memories in fake-indexeddb

  it('one pass over the vector index per add, for consolidation and links together', () => {
    // Two passes (consolidation look-up, then links) before the look-up was shared.
    expect(small.indexPasses).toBe(1);
    expect(big.indexPasses).toBe(1);
    // Candidates scored: the consolidator's 5 and the links' 5, from one top-k.
    expect(big.maxK).toBeLessThanOrEqual(5);
  });

  it('records read from IndexedDB do not grow with the store', () => {
    expect(big.reads).toBeLessThanOrEqual(small.reads + 2);
    expect(big.reads).toBeLessThan(50);
  });

  it('records written to IndexedDB do not grow with the store', () => {
    // The memory, its event, its vector row (a sealed block now and then), its lexical row,
    // its links and their events, meta: the same few records at 300 and at 3,000 memories.
    expect(big.writes).toBeLessThanOrEqual(small.writes + 1);
    expect(big.writes).toBeLessThan(30);
  });
});

describe('links of an add() from the shared look-up', () => {
  it('match a fresh pass, and one written in between is seen (stale look-up rescanned)', async () => {
    const e = await Engine.open({
      name: `add-links-${crypto.randomUUID()}`,
      embedder: new HashEmbedder({ dim: 64 }),
      backend: 'cpu',
      linkThreshold: 0.5,
    });
    try {
      await e.addMany(Array.from({ length: 200 }, (_, i) => ({ text: filler(i) })));
      const a = 'I keep three red tomato plants on the sunny balcony';
      const b = 'I keep three red tomato plants on the sunny balcony upstairs';
      // Both plan before either commits: b's look-up predates a, so b's links need a new pass.
      const [ra, rb] = await Promise.all([e.add(a), e.add(b)]);
      const idA = ra.results[0]!.id;
      const idB = rb.results[0]!.id;
      expect([ra.results[0]!.event, rb.results[0]!.event]).toEqual(['ADD', 'ADD']);
      expect((await e.related(idB)).results.map((m) => m.id)).toContain(idA);
      // With nothing written in between, the shared look-up links as a pass of its own does:
      // the same text added to two scopes holding the same memories, once with inference (the
      // shared look-up) and once with infer: false (its own pass).
      for (const userId of ['u', 'v'])
        await e.addMany(Array.from({ length: 50 }, (_, i) => ({ text: filler(i), userId })));
      const text = 'Note about the garden and item8 number 56 again';
      const c = await e.add(text, { userId: 'u' });
      const d = await e.add(text, { userId: 'v', infer: false });
      expect(c.results[0]!.event).toBe('ADD');
      const linksOf = async (id: string) =>
        (await e.related(id)).results.map((m) => [m.memory, m.linkScore]);
      const linked = await linksOf(c.results[0]!.id);
      expect(linked.length).toBeGreaterThan(0);
      expect(linked).toEqual(await linksOf(d.results[0]!.id));
    } finally {
      await e.close();
    }
  });
});

describe('a memory written here is analysed once', () => {
  it('the search after addMany and add() indexes the rows made at commit, not the texts again', async () => {
    const e = await Engine.open({
      name: `analysed-once-${crypto.randomUUID()}`,
      embedder: new HashEmbedder({ dim: 64 }),
      backend: 'cpu',
    });
    try {
      const state = (e as unknown as { state: MemoryState }).state;
      await e.addMany(Array.from({ length: 2000 }, (_, i) => ({ text: filler(i) })));
      const first = await e.search('the garden item8', { limit: 3 });
      const retriever = syncedRetriever(state);
      expect(retriever.size).toBe(2000);
      for (const text of NEW) await e.add(text, { userId: 'ada' });
      const { results } = await e.search('allergic to peanuts', { userId: 'ada', limit: 1 });
      expect(results[0]!.memory).toBe(NEW[1]);
      expect(syncedRetriever(state).size).toBe(2000 + NEW.length);
      // Every memory was analysed when it was written (its lexical row), never again.
      expect(retriever.stats.analysed).toBe(0);
      // Ranked as by a retriever that analysed every text itself (a view without the rows).
      const view = {
        records: state.records,
        recordAt: (slot: number) => state.recordAt(slot),
        links: state.links,
        index: state.index,
      };
      for (const query of ['the garden item8', 'blue bicycle office', 'note 1234 budget']) {
        const [vector] = await e.embed([query]);
        const q = { query, vector: vector!, limit: 10, allow: undefined, now: 0, options: {} };
        const ids = async (s: RetrievalState) =>
          (await hybridSearch(s, q)).map((h) => [h.rec.id, h.score]);
        expect(await ids(view)).toEqual(await ids(state));
      }
      expect(syncedRetriever(view).stats.analysed).toBe(2000 + NEW.length);
      expect(first.results).toHaveLength(3);
    } finally {
      await e.close();
    }
  });

  it('reopened from a checkpoint, the memories written after it are indexed from their stored rows', async () => {
    const name = `analysed-after-checkpoint-${crypto.randomUUID()}`;
    const open = () =>
      Engine.open({
        name,
        embedder: new HashEmbedder({ dim: 64 }),
        backend: 'cpu',
        checkpoint: { minMemories: 10, minEvents: 100, idleMs: false },
      });
    let e = await open();
    await e.addMany(Array.from({ length: 300 }, (_, i) => ({ text: filler(i) })));
    await e.close(); // writes the checkpoint
    e = await open();
    await e.addMany(NEW.map((text) => ({ text, userId: 'ada' })));
    await e.close(); // too few events since: no new checkpoint
    const log: string[] = [];
    e = await Engine.open({
      name,
      embedder: new HashEmbedder({ dim: 64 }),
      backend: 'cpu',
      checkpoint: { minMemories: 10, minEvents: 100, idleMs: false },
      log: (m) => log.push(m),
    });
    try {
      expect(log.some((l) => l.includes('opened from the checkpoint'))).toBe(true);
      const state = (e as unknown as { state: MemoryState }).state;
      const { results } = await e.search('allergic to peanuts', { userId: 'ada', limit: 1 });
      expect(results[0]!.memory).toBe(NEW[1]);
      const retriever = syncedRetriever(state);
      expect(retriever.size).toBe(300 + NEW.length);
      // The checkpoint's rows and the caught-up memories' stored rows: no text analysed again.
      expect(retriever.stats.analysed).toBe(0);
    } finally {
      await e.close();
    }
  });
});
