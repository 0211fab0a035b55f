// The rerank step of Engine.search on the fused kernel: on WebGPU (SwiftShader, backend forced)
// the GPU reranker runs, on the CPU backend its twin; both give the same ranking, with features
// (retention) and with MMR over stored vectors.
import { expect, test } from 'vitest';
import { hasWebGPU, openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('Engine.search ranks the same through GpuReranker (webgpu) and rerankFused (cpu)', async (ctx) => {
  const page = await openPage();
  if (!(await hasWebGPU(page))) return ctx.skip();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { GpuReranker } = await importSrc<typeof import('../../src/gpu/rerank-kernel')>(
      '/src/gpu/rerank-kernel.ts',
    );
    let gpuCalls = 0;
    const original = GpuReranker.prototype.rerank;
    GpuReranker.prototype.rerank = function (this: never, input) {
      gpuCalls++;
      return original.call(this, input);
    };
    let now = 0;
    const clock = () => now;
    const texts = Array.from(
      { length: 60 },
      (_, i) =>
        [
          `Ada: my garden has ${i} apple trees`,
          `Bob: the boat trip on day ${i} was windy`,
          `Ada: I baked ${i} loaves with apples from the garden`,
          `Cyd: the library opens at ${i} am`,
        ][i % 4]!, // unique texts: no exact ties, which two stores would break by random id
    );
    const run = async (backend: 'cpu' | 'webgpu') => {
      now = 1_700_000_000_000; // the same times in both stores
      const e = await f.openEngine(f.uniqueName(), { backend, clock });
      for (const [i, text] of texts.entries()) {
        now += 3_600_000;
        await e.add(text, { infer: false, runId: `s${i % 6}` });
      }
      now += 86_400_000;
      // Recall some memories so retention differs between them.
      await e.search('apple trees in the garden', { limit: 5 });
      now += 86_400_000 * 3;
      const out: { id: string; score: number }[][] = [];
      const kind = e.info().backend;
      for (const q of ['apples from the garden', 'windy boat trip', 'when does the library open'])
        for (const o of [
          {},
          { retentionWeight: 0.5 },
          { retrieval: { rerank: { lambda: 0.6, pool: 40 } } },
        ]) {
          const { results } = await e.search(q, { limit: 12, reinforce: false, ...o });
          out.push(results.map((x) => ({ id: String(x.createdAt), score: x.score })));
        }
      await e.close();
      return { kind, out };
    };
    const cpu = await run('cpu');
    const before = gpuCalls;
    const gpu = await run('webgpu');
    GpuReranker.prototype.rerank = original;
    return { cpu, gpu, cpuCalls: before, gpuCalls: gpuCalls - before };
  }, FIXTURE);
  expect(r.cpu.kind).toBe('cpu');
  expect(r.gpu.kind).toBe('webgpu');
  expect(r.cpuCalls).toBe(0);
  expect(r.gpuCalls).toBe(10); // the recall search and the nine compared
  // Exact ties are broken by memory id, a random UUID that differs between the two stores:
  // order each run of equal scores by creation time before comparing.
  const canon = (list: { id: string; score: number }[]) => {
    const out = [...list];
    for (let i = 0; i < out.length;) {
      let j = i;
      while (j + 1 < out.length && out[j + 1]!.score === out[i]!.score) j++;
      out.splice(i, j - i + 1, ...out.slice(i, j + 1).sort((a, b) => (a.id < b.id ? -1 : 1)));
      i = j + 1;
    }
    return out;
  };
  r.cpu.out.forEach((raw, i) => {
    const list = canon(raw);
    const other = canon(r.gpu.out[i]!);
    expect(other.map((h) => h.id)).toEqual(list.map((h) => h.id));
    list.forEach((h, j) => expect(other[j]!.score).toBeCloseTo(h.score, 5));
  });
});
