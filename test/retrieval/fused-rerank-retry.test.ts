// fusedRerank on a WebGPU index: a failed GpuReranker.create() answers from the CPU twin, is
// logged, and is tried again after RERANKER_RETRY_MS — not cached as "no GPU" for the index's
// lifetime (which kept every later search on the CPU after one transient failure).
import { afterEach, expect, test, vi } from 'vitest';
import { GpuReranker } from '../../src/gpu/rerank-kernel';
import { RERANKER_RETRY_MS, fusedRerank } from '../../src/retrieval/engine-search';
import { rerankFused, type FusedRerankInput } from '../../src/search/rerank-fused';
import type { VectorIndex } from '../../src/search/vector-index';

afterEach(() => vi.restoreAllMocks());

const input: FusedRerankInput = {
  vectors: new Float32Array([1, 0, 0, 1, 0.6, 0.8]),
  dim: 2,
  scores: new Float32Array([0.2, 0.9, 0.5]),
  lambda: 1,
  limit: 3,
};
const fromGpu = { order: new Int32Array([2, 1, 0]), scores: new Float32Array([3, 2, 1]) };

test('a failed GPU reranker create is logged, answered on the CPU, and retried later', async () => {
  let now = 1000;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  const create = vi
    .spyOn(GpuReranker, 'create')
    .mockRejectedValueOnce(new Error('adapter busy'))
    .mockResolvedValue({ rerank: async () => fromGpu } as unknown as GpuReranker);
  const index = { kind: 'webgpu' } as VectorIndex;
  const lines: string[] = [];
  const log = (m: string) => lines.push(m);
  const twin = rerankFused(input);

  expect(await fusedRerank(index, input, log)).toEqual(twin);
  expect(lines).toEqual([expect.stringContaining('adapter busy')]);
  now += RERANKER_RETRY_MS - 1;
  expect(await fusedRerank(index, input, log)).toEqual(twin);
  expect(create).toHaveBeenCalledTimes(1); // not at every search
  now += 1;
  expect(await fusedRerank(index, input, log)).toBe(fromGpu);
  expect(create).toHaveBeenCalledTimes(2);
  expect(await fusedRerank(index, input, log)).toBe(fromGpu);
  expect(create).toHaveBeenCalledTimes(2); // a made reranker is kept
  expect(lines).toHaveLength(1);
});

test('a failed GPU rerank answers on the CPU and makes a new reranker at the next search', async () => {
  let calls = 0;
  const create = vi.spyOn(GpuReranker, 'create').mockImplementation(
    async () =>
      ({
        rerank: async () => {
          if (calls++ === 0) throw new Error('device lost');
          return fromGpu;
        },
      }) as unknown as GpuReranker,
  );
  const index = { kind: 'webgpu' } as VectorIndex;
  const lines: string[] = [];
  expect(await fusedRerank(index, input, (m) => lines.push(m))).toEqual(rerankFused(input));
  expect(lines).toEqual([expect.stringContaining('device lost')]);
  expect(await fusedRerank(index, input)).toBe(fromGpu);
  expect(create).toHaveBeenCalledTimes(2);
});

test('a CPU index never asks for a GPU reranker', async () => {
  const create = vi.spyOn(GpuReranker, 'create');
  const index = { kind: 'cpu' } as VectorIndex;
  expect(await fusedRerank(index, input)).toEqual(rerankFused(input));
  expect(create).not.toHaveBeenCalled();
});
