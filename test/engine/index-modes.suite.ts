// Index modes in the engine: stores opened with index { mode } int8, binary
// and fp16 return the same top results (same ids, exact scores) as fp32 on a
// small store of dense clustered vectors, on the CPU twin and on WebGPU (SwiftShader) where there is
// one; info() reports the mode and the resident bytes per vector; the mode
// survives a reopen and crosses the Worker.
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { hasWebGPU } from '../helpers/browser';
import { gpuPage } from '../gpu/page';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

let page: Page;
let gpu = false;

beforeAll(async () => {
  page = await gpuPage();
  gpu = await hasWebGPU(page);
});

async function compareModes(backend: 'cpu' | 'webgpu') {
  return page.evaluate(
    async ({ path, backend }) => {
      const f = await importSrc<Fixture>(path);
      const qf = await importSrc<typeof import('../search/quant-fixtures')>(
        '/test/search/quant-fixtures.ts',
      );
      // Dense, clustered 128-d vectors (like real embeddings) behind the texts.
      const dim = 128;
      const n = 600;
      const rows = qf.clusteredRows(n + 6, dim, 7, 12);
      const table: Record<string, number[]> = {};
      const texts = Array.from({ length: n }, (_, i) => `memory ${i}`);
      texts.forEach((t, i) => (table[t] = Array.from(rows.subarray(i * dim, (i + 1) * dim))));
      const queries = Array.from({ length: 6 }, (_, q) => `query ${q}`);
      queries.forEach(
        (t, q) => (table[t] = Array.from(rows.subarray((n + q) * dim, (n + q + 1) * dim))),
      );
      const embedder = f.fixedEmbedder(dim, table);
      const run = async (mode: 'fp32' | 'int8' | 'binary' | 'fp16') => {
        const name = f.uniqueName(`mode-${mode}`);
        const e = await f.openEngine(name, { backend, embedder, index: { mode } });
        await e.addMany(texts.map((text) => ({ text, infer: false, link: false })));
        const search = async (eng: typeof e) => {
          const out: { ids: string[]; scores: number[] }[] = [];
          for (const q of queries) {
            const { results } = await eng.search(q, {
              limit: 5,
              reinforce: false,
              retrieval: false,
            });
            out.push({ ids: results.map((r) => r.memory), scores: results.map((r) => r.score) });
          }
          return out;
        };
        const hits = await search(e);
        const info = e.info();
        await e.close();
        const again = await f.openEngine(name, { backend, embedder, index: { mode } });
        const reopened = await search(again);
        await again.close();
        return { hits, reopened, mode: info.indexMode, bytes: info.residentBytesPerVector };
      };
      const out: Record<string, Awaited<ReturnType<typeof run>>> = {};
      for (const mode of ['fp32', 'int8', 'binary', 'fp16'] as const) out[mode] = await run(mode);
      const bad = await f.openEngine(f.uniqueName(), { index: { mode: 'int4' as 'int8' } }).then(
        () => 'opened',
        (e: { code?: string }) => e.code,
      );
      return { out, bad };
    },
    { path: FIXTURE, backend },
  );
}

test('int8, binary and fp16 return the same top results as fp32 (CPU twin); info reports the mode and bytes', async () => {
  const { out, bad } = await compareModes('cpu');
  const fp32 = out.fp32!;
  for (const mode of ['int8', 'binary', 'fp16'] as const) {
    const r = out[mode]!;
    expect(r.mode).toBe(mode);
    expect(
      r.hits.map((h) => h.ids),
      mode,
    ).toEqual(fp32.hits.map((h) => h.ids));
    r.hits.forEach((h, q) => {
      h.scores.forEach((s, j) => expect(s).toBeCloseTo(fp32.hits[q]!.scores[j]!, 5));
    });
    expect(r.reopened).toEqual(r.hits); // codes re-learned from the stored vectors at open
  }
  // 128-d: fp32 4 B/dim, fp16 2, int8 1, binary 1 bit.
  expect([out.fp32!.bytes, out.fp16!.bytes, out.int8!.bytes, out.binary!.bytes]).toEqual([
    512, 256, 128, 16,
  ]);
  expect(out.fp32!.mode).toBe('fp32');
  expect(bad).toBe('InvalidArgument');
});

test('the same on WebGPU (SwiftShader): quantized kernels in the engine', async (ctx) => {
  if (!gpu) return ctx.skip();
  const { out } = await compareModes('webgpu');
  const fp32 = out.fp32!;
  for (const mode of ['int8', 'binary', 'fp16'] as const) {
    expect(
      out[mode]!.hits.map((h) => h.ids),
      mode,
    ).toEqual(fp32.hits.map((h) => h.ids));
    expect(out[mode]!.mode).toBe(mode);
  }
});

test('Engram.open({ index }) crosses the Worker; info() reports mode and bytes', async () => {
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const mem = await f.openEngram({ index: { mode: 'binary' } });
    await mem.add('a note about the river', { infer: false });
    const { results } = await mem.search('river', { limit: 1, reinforce: false });
    const info = await mem.info();
    await mem.close();
    return { n: results.length, mode: info.indexMode, bytes: info.residentBytesPerVector };
  }, FIXTURE);
  expect(r).toEqual({ n: 1, mode: 'binary', bytes: 16 });
});
