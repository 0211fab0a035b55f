// Damaged bytes: in a store of 300 memories (sealed vector blocks and a tail, past
// versions, links, lexical rows, a checkpoint), records are damaged one at a time
// through raw IndexedDB behind Engram's back. Each must be reported by its typed code
// (by verify(), or by open, which must not return wrong data), and rebuild() must
// repair the derived stores from the log: verify() clean, getAll and search as before.
// A damaged log event is named by its seq, and rebuild refuses it, writing nothing.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
type EventLog = typeof import('../../src/store/event-log');
type Idb = typeof import('idb');
type Report = import('../../src/memory/verify').VerifyReport;
const FIXTURE = '/test/engine/fixture.ts';

/** What happened to one damaged record. */
interface Case {
  name: string;
  /** The problems verify() reported after the damage. */
  report: Report;
  /** What open did with it (a reopened engine's log lines, and whether its reads were right). */
  open?: { logs: string[]; sameAsBefore: boolean };
  /** rebuild(): its outcome, then verify() and reads. */
  rebuilt: string;
  after: { ok: boolean; sameAsBefore: boolean };
  /** For log damage: the raw dump unchanged by the refused rebuild. */
  untouched?: boolean;
  /** What identifies the damaged record: an id, a slot or a seq. */
  target: { id?: string; slot?: number; seq?: number };
}

test('each damaged record is reported by its typed code and rebuild() repairs it from the log', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    async ({ path }) => {
      const f = await importSrc<Fixture>(path);
      const log = await importSrc<EventLog>('/src/store/event-log.ts');
      const { openDB } = await importSrc<Idb>('/node_modules/idb/build/index.js');
      const now = 1_700_000_000_000;
      const name = f.uniqueName('damage');
      const logs: string[] = [];
      const opts = {
        blockRows: 64,
        clock: () => now,
        linkThreshold: 0.5,
        checkpoint: { minMemories: 1, minEvents: 1 },
        log: (m: string) => logs.push(m),
      };
      let e = await f.openEngine(name, opts);
      const colours = ['red', 'blue', 'green', 'amber', 'violet'];
      await e.addMany(
        Array.from({ length: 300 }, (_, i) => ({
          text: `memory ${i}: the ${colours[i % 5]} box ${i % 37} holds item ${1000 + i}`,
          userId: i % 2 ? 'ada' : 'bob',
        })),
      );
      const all = (await e.getAll()).results;
      for (const m of all.slice(0, 6)) await e.update(m.id, `${m.memory} (moved to shelf 9)`);
      await e.add('the violet box 3 holds a spare key', { infer: false, userId: 'ada' });
      await e.close(); // writes the checkpoint
      e = await f.openEngine(name, opts);

      const queries = ['violet box 3', 'item 1042', 'moved to shelf', 'green box holds'];
      const reads = async (engine: typeof e) =>
        JSON.stringify({
          all: (await engine.getAll()).results,
          search: await Promise.all(
            queries.map((q) => engine.search(q, { reinforce: false, limit: 8 })),
          ),
        });
      const before = await reads(e);
      const clean = await e.verify();
      const counts = Object.fromEntries(
        Object.entries(await e.dump()).map(([k, v]) => [k, v.length]),
      );

      /** Runs `fn` on the raw database (a second connection, as another program would). */
      async function raw<T>(fn: (db: import('idb').IDBPDatabase) => Promise<T>): Promise<T> {
        const db = await openDB(name);
        try {
          return await fn(db);
        } finally {
          db.close();
        }
      }
      /** Opens a second engine on the damaged store: what open reports and reads. */
      async function reopen(): Promise<{ logs: string[]; sameAsBefore: boolean }> {
        const mark = logs.length;
        // Reads a checkpoint, but writes none at close (that would overwrite the damage).
        const checkpoint = { minMemories: 1, minEvents: 1e9 };
        const other = await f.openEngine(name, { ...opts, checkpoint });
        const same = (await reads(other)) === before;
        await other.close();
        return { logs: logs.slice(mark), sameAsBefore: same };
      }
      async function repair(): Promise<Pick<Case, 'rebuilt' | 'after'>> {
        const rebuilt = await e.rebuild().then(
          (x) => `rebuilt ${x.memories} memories from ${x.events} events`,
          (x: { code?: string }) => `refused: ${x.code}`,
        );
        const v = await e.verify();
        return { rebuilt, after: { ok: v.ok, sameAsBefore: (await reads(e)) === before } };
      }
      /** A fresh checkpoint (rebuild deletes it): close and reopen. */
      async function freshCheckpoint() {
        await e.close();
        e = await f.openEngine(name, opts);
      }
      const cases: Case[] = [];

      // 1. Checkpoint head: its seq moved back 3 (would re-apply events, wrong base).
      {
        await raw(async (db) => {
          const head = (await db.get('checkpoints', -1)) as { seq: number };
          await db.put('checkpoints', { ...head, seq: head.seq - 3 }, -1);
        });
        const report = await e.verify();
        const open = await reopen();
        cases.push({ name: 'checkpoint head', report, open, ...(await repair()), target: {} });
      }
      // 2. Checkpoint chunk: one memory's item number changed, same length (parses fine).
      await freshCheckpoint();
      {
        await raw(async (db) => {
          // Format 3: column bytes (the texts among them, UTF-8); format 2: JSON text.
          const chunk = (await db.get('checkpoints', 0)) as string | Blob;
          if (typeof chunk === 'string') {
            await db.put('checkpoints', chunk.replace('holds item 1042', 'holds item 2042'), 0);
          } else {
            // Byte chunks are stored as Blobs (src/store/stored-bytes.ts).
            if (!(chunk instanceof Blob)) throw new Error('a byte chunk is not a Blob');
            const bytes = new Uint8Array(await chunk.arrayBuffer());
            const text = new TextDecoder('latin1').decode(bytes);
            const at = text.indexOf('holds item 1042');
            if (at < 0) throw new Error('the text is not in the checkpoint bytes');
            bytes[at + 'holds item '.length] = '2'.charCodeAt(0);
            await db.put('checkpoints', new Blob([bytes]), 0);
          }
        });
        const report = await e.verify();
        const open = await reopen();
        cases.push({ name: 'checkpoint chunk', report, open, ...(await repair()), target: {} });
      }
      // 3. A memory record: text changed.
      {
        const id = all[42]!.id;
        await raw(async (db) => {
          const m = (await db.get('memories', id)) as { text: string };
          await db.put('memories', { ...m, text: 'memory 42: the box is empty' });
        });
        const report = await e.verify();
        cases.push({ name: 'memory record', report, ...(await repair()), target: { id } });
      }
      // 4. A past version: its text changed.
      {
        const id = all[2]!.id;
        await raw(async (db) => {
          const v = (await db.get('versions', [id, 1])) as { text: string };
          await db.put('versions', { ...v, text: 'memory 2: never happened' });
        });
        const report = await e.verify();
        cases.push({ name: 'past version', report, ...(await repair()), target: { id } });
      }
      // 5. A sealed vector block: one row negated (same length, readable).
      {
        const slot = 64 + 5;
        await raw(async (db) => {
          const stored: unknown = await db.get('vectorBlocks', 1);
          if (!(stored instanceof Blob)) throw new Error('a sealed block is not a Blob');
          const block = new Float32Array(await stored.arrayBuffer());
          const dim = block.length / 64;
          for (let k = 5 * dim; k < 6 * dim; k++) block[k] = -block[k]!;
          await db.put('vectorBlocks', new Blob([block]), 1);
        });
        const report = await e.verify();
        cases.push({ name: 'vector block (bytes)', report, ...(await repair()), target: { slot } });
      }
      // 6. A sealed vector block cut short (unreadable): open reads its rows from the log.
      {
        await raw(async (db) => {
          const block = (await db.get('vectorBlocks', 2)) as Blob;
          await db.put('vectorBlocks', block.slice(0, 1000), 2);
        });
        const report = await e.verify();
        const open = await reopen();
        cases.push({
          name: 'vector block (unreadable)',
          report,
          open,
          ...(await repair()),
          target: { slot: 128 },
        });
      }
      // 7. A tail vector row: bytes changed.
      {
        const tailKeys = await raw((db) => db.getAllKeys('vectorTail'));
        const slot = tailKeys[3] as number;
        await raw(async (db) => {
          const row = new Float32Array((await db.get('vectorTail', slot)) as ArrayBuffer);
          row[0] = row[0]! + 0.5;
          await db.put('vectorTail', row.buffer, slot);
        });
        const report = await e.verify();
        cases.push({ name: 'vector tail row', report, ...(await repair()), target: { slot } });
      }
      // 8. A lexical row: its terms replaced.
      {
        const id = all[77]!.id;
        await raw(async (db) => {
          const row = (await db.get('lexical', id)) as { terms: [string, number][] };
          await db.put('lexical', { ...row, terms: [['zebra', 3]] });
        });
        const report = await e.verify();
        cases.push({ name: 'lexical row', report, ...(await repair()), target: { id } });
      }
      // 9. A link: its score changed.
      {
        const link = (await e.dump()).links![0] as { from: string; to: string; score: number };
        await raw(async (db) => db.put('links', { ...link, score: link.score / 2 }));
        const report = await e.verify();
        cases.push({ name: 'link', report, ...(await repair()), target: { id: link.from } });
      }
      // 10, 11. One log event: payload changed without re-hashing, then re-hashed to match.
      const events = (await e.dump()).events as import('../../src/store/records').EventRecord[];
      const victim = events.find((x) => x.type === 'memory.added' && x.seq > 20)!;
      for (const rehash of [false, true]) {
        const payload = structuredClone(victim.payload) as { memory: { text: string } };
        payload.memory.text = 'memory X: the log now says something else';
        let changed = { ...victim, payload } as typeof victim;
        if (rehash) {
          const payloadHash = await log.sha256Hex(log.canonicalJson(payload));
          const { hash: _old, ...rest } = { ...changed, payloadHash };
          changed = { ...rest, hash: await log.sha256Hex(log.chainedPart(rest)) };
        }
        await raw(async (db) => db.put('events', changed));
        const report = await e.verify();
        const dumped = f.dumpJson(await e.dump());
        const repaired = await repair();
        const untouched = dumped === f.dumpJson(await e.dump());
        cases.push({
          name: rehash ? 'log event (re-hashed)' : 'log event (payload)',
          report,
          ...repaired,
          untouched,
          target: { seq: victim.seq },
        });
        await raw(async (db) => db.put('events', victim)); // put the true bytes back
      }
      const final = await e.verify();
      const finalSame = (await reads(e)) === before;
      await e.close();
      return { clean, counts, cases, final, finalSame };
    },
    { path: FIXTURE },
  );

  expect(r.clean.problems).toEqual([]);
  for (const s of ['vectorBlocks', 'vectorTail', 'versions', 'links', 'lexical', 'checkpoints'])
    expect([s, r.counts[s]]).not.toEqual([s, 0]);
  const want: Record<string, string> = {
    'checkpoint head': 'CheckpointMismatch',
    'checkpoint chunk': 'CheckpointMismatch',
    'memory record': 'RecordMismatch',
    'past version': 'VersionMismatch',
    'vector block (bytes)': 'VectorMismatch',
    'vector block (unreadable)': 'VectorMismatch',
    'vector tail row': 'VectorMismatch',
    'lexical row': 'LexicalMismatch',
    link: 'LinkMismatch',
    'log event (payload)': 'ChainBroken',
    'log event (re-hashed)': 'ChainBroken',
  };
  const table: string[] = [];
  for (const c of r.cases) {
    const code = want[c.name]!;
    const codes = [...new Set(c.report.problems.map((p) => p.code))];
    const hit = c.report.problems.filter((p) => p.code === code);
    // Reported by its typed code, naming the damaged record.
    expect([c.name, c.report.ok]).toEqual([c.name, false]);
    expect([c.name, hit.length > 0]).toEqual([c.name, true]);
    if (c.target.id) expect(hit.map((p) => p.id)).toContain(c.target.id);
    if (c.target.slot !== undefined) expect(hit.map((p) => p.slot)).toContain(c.target.slot);
    if (c.target.seq !== undefined) {
      // The damaged event, and only it, is named.
      expect(hit.map((p) => p.seq)).toEqual([c.target.seq]);
    } else {
      // Derived damage is attributed to its own store, nothing else.
      expect([c.name, codes]).toEqual([c.name, [code]]);
    }
    if (c.open) {
      // Open did not return wrong data, and said why.
      expect([c.name, c.open.sameAsBefore]).toEqual([c.name, true]);
      expect(c.open.logs.join('\n')).toMatch(/checkpoint is not used|read from the log/);
    }
    if (code === 'ChainBroken') {
      expect(c.rebuilt).toBe('refused: CorruptStore');
      expect(c.untouched).toBe(true);
    } else {
      expect([c.name, c.rebuilt]).toEqual([c.name, expect.stringMatching(/^rebuilt /)]);
      expect([c.name, c.after]).toEqual([c.name, { ok: true, sameAsBefore: true }]);
    }
    table.push(
      `${c.name}: ${codes.join('+')} (${c.report.problems.length} problem(s))` +
        (c.open ? `; open: ${c.open.logs.length ? 'fell back, logged' : 'silent'}` : '') +
        `; rebuild: ${c.rebuilt}; after: ${c.after.ok ? 'verify clean' : 'verify still reports'}`,
    );
  }
  expect(r.cases.length).toBe(11);
  expect(r.final.problems).toEqual([]);
  expect(r.finalSame).toBe(true);
  console.log(`damaged ${r.cases.length}, detected ${r.cases.length}:\n${table.join('\n')}`);
}, 600_000);
