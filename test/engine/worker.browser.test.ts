// The page-side Engram facade with the engine in a dedicated Worker (Comlink).
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('Engram runs the engine in a Worker: results, progress, vectors and coded errors cross', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const progress: number[] = [];
    const mem = await f.openEngram();
    const inWorker = mem.inWorker;
    await mem.addMany(
      Array.from({ length: 1200 }, (_, i) => ({
        text: `fact ${i}`,
        userId: i % 2 ? 'ada' : 'bob',
      })),
      (p) => progress.push(p.done),
    );
    const top = await mem.search('fact 77', { userId: 'ada', limit: 3 });
    const [v] = await mem.embed(['fact 77']);
    const vlen = v!.length;
    const byVector = await mem.search('unused', { vector: v!, limit: 1 });
    const err = await mem.add('').then(
      () => null,
      (e: { code?: string; name?: string; message?: string }) => ({
        code: e.code,
        name: e.name,
        message: e.message,
      }),
    );
    const info = await mem.info();
    await mem.close();
    const closed = await mem.get('x').then(
      () => null,
      (e: { code?: string }) => e.code,
    );
    return {
      inWorker,
      progress,
      top: top.results.map((m) => m.memory),
      vlen,
      detachedAfterSend: v!.length,
      vtype: v!.constructor.name,
      byVector: byVector.results[0]?.memory,
      err,
      info,
      closed,
    };
  }, FIXTURE);
  expect(r.inWorker).toBe(true);
  // Chunks of 128 when the model embeds (src/memory/ingest.ts), progress as each is stored.
  expect(r.progress).toEqual([128, 256, 384, 512, 640, 768, 896, 1024, 1152, 1200]);
  expect(r.top[0]).toBe('fact 77');
  // The query vector crossed into the Worker as a copy: the caller's array keeps its length.
  expect(r).toMatchObject({
    vlen: 64,
    detachedAfterSend: 64,
    vtype: 'Float32Array',
    byVector: 'fact 77',
    closed: 'StoreClosed',
  });
  expect(r.err).toMatchObject({ code: 'EmptyText', name: 'EngramError' });
  expect(r.info).toMatchObject({ backend: 'cpu', count: 1200, embedderId: 'hash-64' });
});

test('the memory verbs cross the Worker: messages, llm hook, forget/restore, links, erase, export/import streams', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const open = () => f.openEngram();
    const mem = await open();
    const ada = { userId: 'ada' };
    const first = await mem.add(
      [
        { role: 'user', content: 'I live in Berlin. I have a cat.' },
        { role: 'assistant', content: 'Noted!' },
      ],
      ada,
    );
    const moved = await mem.add('I live in Paris.', ada);
    const calls: string[] = [];
    const viaLlm = await mem.add('I adopted a dog', {
      ...ada,
      llm: {
        extractFacts: async () => (calls.push('extract'), { facts: ['Has a dog'] }),
        decide: async () => (
          calls.push('decide'),
          { memory: [{ id: 'x', text: 'Has a dog', event: 'ADD' as const }] }
        ),
      },
    });
    const forgotten = await mem.forget({ belowRetention: 1, ...ada });
    const restored = await mem.restore(forgotten.archived[0]!);
    const related = await mem.related(restored.id);
    const links = await mem.links([restored.id]);
    const stream = await mem.export();
    const text = await new Response(stream.pipeThrough(new TextEncoderStream())).text();
    const copy = await open();
    const imported = await copy.import(
      new ReadableStream<string>({
        start(c) {
          c.enqueue(text);
          c.close();
        },
      }),
    );
    const copied = (await copy.getAll()).results.map((m) => m.memory);
    const receipt = await mem.erase(ada);
    const left = (await mem.getAll()).results.length;
    const log = await mem.verifyLog();
    await mem.close();
    await copy.close();
    return {
      first: first.results.map((x) => x.event),
      moved: moved.results.map((x) => [x.event, x.previousMemory]),
      viaLlm: viaLlm.results.map((x) => [x.event, x.memory]),
      calls,
      archived: forgotten.archived.length,
      restored: restored.state,
      related: Array.isArray(related.results),
      links: Object.keys(links),
      lines: text.trim().split('\n').length,
      imported,
      copied,
      erased: receipt.ids.length,
      left,
      log,
    };
  }, FIXTURE);
  expect(r.first).toEqual(['ADD', 'ADD']);
  expect(r.moved).toEqual([['UPDATE', 'I live in Berlin.']]);
  expect(r.viaLlm).toEqual([['ADD', 'Has a dog']]);
  expect(r.calls).toEqual(['extract', 'decide']);
  expect(r.archived).toBe(3);
  expect(r.restored).toBe('active');
  expect(r.related).toBe(true);
  expect(r.links).toHaveLength(1);
  expect(r.lines).toBeGreaterThan(5);
  expect(r.imported).toMatchObject({ mode: 'empty', imported: 3 });
  expect(r.copied).toHaveLength(1);
  expect(r.erased).toBe(3);
  expect(r.left).toBe(0);
  expect(r.log).toMatchObject({ ok: true });
});

test('vectors sent into the Worker are copies: the caller keeps its arrays, views of one buffer work', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const mem = await f.openEngram({ worker: true });
    const [a, b, c] = await mem.embed(['alpha river', 'beta mountain', 'gamma forest']);
    // One ArrayBuffer holding three vectors; the caller passes subarray views of it.
    const shared = new Float32Array(64 * 3);
    shared.set(a!, 0);
    shared.set(b!, 64);
    shared.set(c!, 128);
    const snapshot = Array.from(shared);
    const va = shared.subarray(0, 64);
    const vb = shared.subarray(64, 128);
    const vc = shared.subarray(128, 192);
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { name?: string; code?: string }) => e.code ?? e.name ?? 'error',
      );
    const single = await outcome(mem.add('alpha river', { vector: va, infer: false }));
    const batch = await outcome(
      mem.addMany([
        { text: 'beta mountain', vector: vb },
        { text: 'gamma forest', vector: vc },
      ]),
    );
    const found = await mem.search('unused', { vector: vb, limit: 1, retrieval: false });
    const foundC = await mem.search('unused', { vector: vc, limit: 1, retrieval: false });
    const stored = (await mem.getAll()).results.map((m) => m.memory).sort();
    await mem.close();
    return {
      single,
      batch,
      found: found.results[0]?.memory,
      foundC: foundC.results[0]?.memory,
      stored,
      byteLength: shared.buffer.byteLength,
      lengths: [va.length, vb.length, vc.length],
      unchanged: Array.from(shared).every((x, i) => x === snapshot[i]),
      nonZero: snapshot.some((x) => x !== 0),
    };
  }, FIXTURE);
  // No DataCloneError for two (three) views of one buffer; every call stored or found its vector.
  expect(r.single).toBe('ok');
  expect(r.batch).toBe('ok');
  expect(r.found).toBe('beta mountain');
  expect(r.foundC).toBe('gamma forest');
  expect(r.stored).toEqual(['alpha river', 'beta mountain', 'gamma forest']);
  // The caller's buffer is not detached and its contents are as they were.
  expect(r.byteLength).toBe(64 * 3 * 4);
  expect(r.lengths).toEqual([64, 64, 64]);
  expect(r.nonZero).toBe(true);
  expect(r.unchanged).toBe(true);
});
