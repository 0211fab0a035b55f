// A store written before schema 6 keeps its vector blocks as ArrayBuffers, which open slower
// than Blobs (`stored-bytes.ts`). After an open, the engine rewrites them as Blobs in the
// background, a block per transaction: the bytes and every answer stay the same, and close
// stops it between two blocks.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
type Idb = typeof import('idb');
const FIXTURE = '/test/engine/fixture.ts';

test('vector blocks stored as ArrayBuffers are rewritten as Blobs after an open, same bytes and answers; close stops it', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    async ({ path }) => {
      const f = await importSrc<Fixture>(path);
      const { openDB } = await importSrc<Idb>('/node_modules/idb/build/index.js');
      const name = f.uniqueName('older-blocks');
      // The rewrite's own log lines (not the open's phases, which name 'vector blocks in').
      const rewriteLine = (l: string) =>
        l.includes('rewritten as Blobs') || l.includes('older vector blocks');
      const logs: string[] = [];
      const opts = { blockRows: 16, log: (m: string) => logs.push(m) };
      const q = 'the red box holds';
      const answers = async (e: Awaited<ReturnType<typeof f.openEngine>>) =>
        (await e.search(q, { reinforce: false, limit: 10 })).results.map((x) => [x.id, x.score]);
      let e = await f.openEngine(name, opts);
      const colours = ['red', 'blue', 'green', 'amber'];
      await e.addMany(
        Array.from({ length: 100 }, (_, i) => ({
          text: `memory ${i}: the ${colours[i % 4]} box ${i % 9} holds item ${1000 + i}`,
        })),
      );
      const before = await answers(e);
      await e.close();
      // The blocks as an Engram before schema 6 stored them: ArrayBuffers.
      const blocks = async () => {
        const db = await openDB(name);
        try {
          const keys = (await db.getAllKeys('vectorBlocks')) as number[];
          return Promise.all(
            keys.map(async (k) => {
              const v = (await db.get('vectorBlocks', k)) as Blob | ArrayBuffer;
              const bytes = new Uint8Array(v instanceof Blob ? await v.arrayBuffer() : v);
              return { key: k, blob: v instanceof Blob, bytes: Array.from(bytes) };
            }),
          );
        } finally {
          db.close();
        }
      };
      const asArrayBuffers = async () => {
        const db = await openDB(name);
        for (const b of await blocks()) {
          const v = (await db.get('vectorBlocks', b.key)) as Blob | ArrayBuffer;
          if (v instanceof Blob) await db.put('vectorBlocks', await v.arrayBuffer(), b.key);
        }
        db.close();
      };
      const written = await blocks();
      await asArrayBuffers();
      const older = await blocks();
      // Opened and closed at once: the rewrite waits for the first searches, and close stops it.
      logs.length = 0;
      e = await f.openEngine(name, opts);
      const closedAt = performance.now();
      await e.close();
      const closeMs = performance.now() - closedAt;
      const afterQuickClose = await blocks();
      const quickLogs = logs.filter(rewriteLine);
      // Opened and left open: rewritten in the background.
      logs.length = 0;
      e = await f.openEngine(name, opts);
      const fromOlder = await answers(e);
      const started = performance.now();
      while (!logs.some(rewriteLine))
        if (performance.now() - started > 15_000) break;
        else await new Promise((res) => setTimeout(res, 50));
      const rewriteLogs = logs.filter(rewriteLine);
      const whileOpen = await answers(e);
      await e.close();
      const rewritten = await blocks();
      logs.length = 0;
      e = await f.openEngine(name, opts);
      const afterRewrite = await answers(e);
      await new Promise((res) => setTimeout(res, 2500)); // past the rewrite's delay
      const againLogs = logs.filter(rewriteLine);
      await e.close();
      return {
        before,
        written,
        older,
        closeMs,
        afterQuickClose,
        quickLogs,
        fromOlder,
        rewriteLogs,
        whileOpen,
        rewritten,
        afterRewrite,
        againLogs,
      };
    },
    { path: FIXTURE },
  );
  // 100 rows in blocks of 16: six full blocks, stored as Blobs by this Engram.
  expect(r.written).toHaveLength(6);
  expect(r.written.every((b) => b.blob)).toBe(true);
  expect(r.older.every((b) => !b.blob)).toBe(true);
  expect(r.older.map((b) => b.bytes)).toEqual(r.written.map((b) => b.bytes));
  // Closed before the rewrite began: nothing rewritten, nothing logged, close not held up.
  expect(r.afterQuickClose.every((b) => !b.blob)).toBe(true);
  expect(r.quickLogs).toEqual([]);
  expect(r.closeMs).toBeLessThan(1500);
  // Left open: every block a Blob, the same bytes; the same answers throughout.
  expect(r.rewriteLogs).toEqual(['engram: 6 vector blocks rewritten as Blobs']);
  expect(r.rewritten.every((b) => b.blob)).toBe(true);
  expect(r.rewritten.map((b) => b.bytes)).toEqual(r.written.map((b) => b.bytes));
  for (const a of [r.fromOlder, r.whileOpen, r.afterRewrite]) expect(a).toEqual(r.before);
  // A store of Blobs has nothing to rewrite.
  expect(r.againLogs).toEqual([]);
});
