// The rerank step of Engine.search on the fused kernel. On WebGPU (SwiftShader, backend forced)
// the GPU reranker runs; the same searches with its CPU twin swapped in (same engine, same
// first-stage scores) give the same ranking, with features (retention) and with MMR over stored
// vectors. On the CPU backend the twin runs and the GPU one is never called.
import { expect, test } from 'vitest';
import { hasWebGPU, openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('Engine.search ranks the same through GpuReranker and its twin rerankFused', async (ctx) => {
  const page = await openPage();
  if (!(await hasWebGPU(page))) return ctx.skip();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { GpuReranker } = await importSrc<typeof import('../../src/gpu/rerank-kernel')>(
      '/src/gpu/rerank-kernel.ts',
    );
    const { rerankFused } = await importSrc<typeof import('../../src/search/rerank-fused')>(
      '/src/search/rerank-fused.ts',
    );
    const gpuRerank = GpuReranker.prototype.rerank;
    let gpuCalls = 0;
    let twinCalls = 0;
    const useGpu = () =>
      (GpuReranker.prototype.rerank = function (this: never, input) {
        gpuCalls++;
        return gpuRerank.call(this, input);
      });
    const useTwin = () =>
      (GpuReranker.prototype.rerank = async (input) => {
        twinCalls++;
        return rerankFused(input);
      });
    let now = 1_700_000_000_000;
    const clock = () => now;
    const texts = Array.from(
      { length: 60 },
      (_, i) =>
        [
          `Ada: my garden has ${i % 5} apple trees`,
          `Bob: the boat trip on day ${i % 7} was windy`,
          `Ada: I baked bread with apples from the garden`,
          `Cyd: the library opens at ${(i % 3) + 8} am`,
        ][i % 4]!,
    );
    const open = async (backend: 'cpu' | 'webgpu') => {
      const e = await f.openEngine(f.uniqueName(), { backend, clock });
      for (const [i, text] of texts.entries()) {
        now += 3_600_000;
        await e.add(text, { infer: false, runId: `s${i % 6}` });
      }
      now += 86_400_000;
      await e.search('apple trees in the garden', { limit: 5 }); // recalls: retention differs
      now += 86_400_000 * 3;
      return e;
    };
    const cases = [
      'apples from the garden',
      'windy boat trip',
      'when does the library open',
    ].flatMap((q) =>
      [{}, { retentionWeight: 0.5 }, { retrieval: { rerank: { lambda: 0.6, pool: 40 } } }].map(
        (o) => [q, { limit: 12, reinforce: false, ...o }] as const,
      ),
    );
    useGpu();
    const gpu = await open('webgpu');
    const kind = gpu.info().backend;
    const pairs: { gpu: { id: string; score: number }[]; twin: { id: string; score: number }[] }[] =
      [];
    const key = (x: { id: string; score: number }) => ({ id: x.id, score: x.score });
    for (const [q, o] of cases) {
      useGpu();
      const a = (await gpu.search(q, o)).results.map(key);
      useTwin();
      const b = (await gpu.search(q, o)).results.map(key);
      pairs.push({ gpu: a, twin: b });
    }
    await gpu.close();
    useGpu();
    const before = gpuCalls;
    const cpu = await open('cpu');
    for (const [q, o] of cases) await cpu.search(q, o);
    await cpu.close();
    GpuReranker.prototype.rerank = gpuRerank;
    return { kind, pairs, gpuCalls: before, twinCalls, cpuBackendGpuCalls: gpuCalls - before };
  }, FIXTURE);
  expect(r.kind).toBe('webgpu');
  expect(r.gpuCalls).toBe(10); // the recall search and the nine compared
  expect(r.twinCalls).toBe(9);
  expect(r.cpuBackendGpuCalls).toBe(0);
  for (const { gpu, twin } of r.pairs) {
    expect(gpu.length).toBe(12);
    expect(gpu.map((h) => h.id)).toEqual(twin.map((h) => h.id));
    gpu.forEach((h, j) => expect(h.score).toBeCloseTo(twin[j]!.score, 5));
  }
});
