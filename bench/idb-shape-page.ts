// Loaded by bench/idb-shape.mjs: what a transaction of add()'s shape costs in Chromium's
// IndexedDB, by layout. Each layout gets its own database of N records (memories, events,
// lexical rows) and then writes, one transaction at a time and the layouts taking turns, what
// one add() of 3 facts writes: meta get + put, 3 memories, 3 events (payload with the memory and
// its vector), 3 lexical rows, the vector tail, a link. Synthetic records of the real sizes.

/** A database layout to time. */
interface Shape {
  name: string;
  /** The memories store has the unique `slot` and the `userId` index (schema ≤ 4). */
  memIndexes: boolean;
  /** One tail record per vector (as now), else one record for the add's rows. */
  tailRows: boolean;
  /** Lexical rows in their own store (as now), else inside the memory record. */
  lexical: boolean;
}

const SHAPES: Shape[] = [
  { name: 'schema 4 (memory indexes)', memIndexes: true, tailRows: true, lexical: true },
  { name: 'schema 5 (no memory indexes)', memIndexes: false, tailRows: true, lexical: true },
  { name: '+ one tail record per add', memIndexes: false, tailRows: false, lexical: true },
  { name: '+ lexical row in the memory', memIndexes: false, tailRows: false, lexical: false },
];
const DIM = 256;
const FACTS = 3;

function done<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((ok, fail) => {
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
}

function finished(tx: IDBTransaction): Promise<void> {
  return new Promise((ok, fail) => {
    tx.oncomplete = () => ok();
    tx.onerror = () => fail(tx.error);
    tx.onabort = () => fail(tx.error);
  });
}

function open(name: string, memIndexes: boolean): Promise<IDBDatabase> {
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => {
    const db = r.result;
    db.createObjectStore('meta', { keyPath: 'key' });
    const m = db.createObjectStore('memories', { keyPath: 'id' });
    if (memIndexes) {
      m.createIndex('slot', 'slot', { unique: true });
      m.createIndex('userId', 'userId');
    }
    db.createObjectStore('vectorTail');
    db.createObjectStore('events', { keyPath: 'seq' }).createIndex('memoryId', 'memoryId');
    db.createObjectStore('links', { keyPath: ['from', 'to'] });
    db.createObjectStore('lexical', { keyPath: 'id' });
  };
  return done(r);
}

const TEXT = 'I went to the market yesterday and bought apples and bread for the week. '.repeat(3);
const id = (i: number) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
function memory(i: number): Record<string, unknown> {
  return {
    id: id(i),
    text: TEXT,
    metadata: {},
    userId: 'u1',
    createdAt: i,
    updatedAt: i,
    version: 1,
    state: 'active',
    slot: i,
    validFrom: i,
    recordedAt: i,
    strength: 1,
    lastRecalledAt: i,
  };
}
function lexical(i: number): Record<string, unknown> {
  const terms: Record<string, number> = {};
  for (let t = 0; t < 40; t++) terms[`term${(i * 7 + t) % 5000}`] = 1 + (t % 3);
  return { id: id(i), terms, length: 60 };
}
const vector = (i: number) => new Float32Array(DIM).fill(i % 7).buffer;
function event(seq: number, i: number): Record<string, unknown> {
  return {
    seq,
    type: 'memory.added',
    memoryId: id(i),
    at: seq,
    actor: 'api',
    payload: { memory: memory(i), vector: vector(i) },
    payloadHash: 'h'.repeat(64),
    prevHash: 'h'.repeat(64),
    hash: 'h'.repeat(64),
  };
}

/** One add()'s transaction in `shape`, for memories `first`…; ms from open to complete. */
async function addTx(db: IDBDatabase, shape: Shape, first: number, seq: number): Promise<number> {
  const t0 = performance.now();
  const stores = ['meta', 'memories', 'events', 'vectorTail', 'links'];
  if (shape.lexical) stores.push('lexical');
  const tx = db.transaction(stores, 'readwrite');
  const check = done(tx.objectStore('meta').get('meta'));
  tx.objectStore('meta').put({ key: 'meta', lastSeq: seq + FACTS });
  for (let i = first; i < first + FACTS; i++) {
    const m = memory(i);
    if (!shape.lexical) m.lexical = lexical(i);
    tx.objectStore('memories').put(m);
    tx.objectStore('events').add(event(seq + 1 + i - first, i));
    if (shape.lexical) tx.objectStore('lexical').put(lexical(i));
    if (shape.tailRows) tx.objectStore('vectorTail').put(vector(i), i);
  }
  if (!shape.tailRows)
    tx.objectStore('vectorTail').put(new Float32Array(DIM * FACTS).buffer, first);
  tx.objectStore('links').put({ from: id(first), to: id(first - 1), score: 0.5, at: 1 });
  await check;
  tx.commit();
  await finished(tx);
  return performance.now() - t0;
}

/**
 * Fills one database per layout with `n` memories, then times `rounds` add()-shaped
 * transactions per layout, the layouts taking turns.
 * @returns a line per layout: p50, mean
 */
export async function run(n: number, rounds: number): Promise<string[]> {
  const dbs: IDBDatabase[] = [];
  for (const s of SHAPES) {
    const db = await open(`bench-idb-shape-${crypto.randomUUID()}`, s.memIndexes);
    dbs.push(db);
    for (let at = 0; at < n; at += 100) {
      const tx = db.transaction(['memories', 'events', 'lexical'], 'readwrite');
      for (let i = at; i < Math.min(n, at + 100); i++) {
        const m = memory(i);
        if (!s.lexical) m.lexical = lexical(i);
        tx.objectStore('memories').put(m);
        tx.objectStore('events').add(event(i + 1, i));
        if (s.lexical) tx.objectStore('lexical').put(lexical(i));
      }
      await finished(tx);
    }
  }
  const times: number[][] = SHAPES.map(() => []);
  for (let r = 0; r < rounds; r++)
    for (let k = 0; k < SHAPES.length; k++)
      times[k]!.push(await addTx(dbs[k]!, SHAPES[k]!, n + r * FACTS, n + r * FACTS));
  const out = SHAPES.map((s, k) => {
    const t = times[k]!.sort((a, b) => a - b);
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    return `${s.name.padEnd(30)} p50 ${t[t.length >> 1]!.toFixed(2)} ms, mean ${mean.toFixed(2)} ms`;
  });
  for (const db of dbs) {
    db.close();
    indexedDB.deleteDatabase(db.name);
  }
  return out;
}
