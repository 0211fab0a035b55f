// Loaded in a bench page by bench/packed.mjs: round trips to a Worker that answers with 10
// search results, packed as one JSON string (read back with `JSON.parse`) or structured-cloned,
// alternately in one page. See bench/RESULTS.md ("Results through the Worker: packed or cloned").

type Results = { results: { score: number }[] };

/** Milliseconds per round trip of one way: the median block and the mean of all. */
export interface PackedFigures {
  way: 'packed' | 'cloned';
  medianMs: number;
  meanMs: number;
}

/**
 * `trips` round trips per way in blocks of `block`, the two ways alternating block by block
 * (`first` begins), on one warmed-up Worker. The page reads one field of every result, as an
 * app would.
 */
export async function measurePacked(
  trips: number,
  block: number,
  first: 'packed' | 'cloned',
): Promise<PackedFigures[]> {
  const w = new Worker(new URL('./packed-worker.ts', import.meta.url), { type: 'module' });
  const trip = (packed: boolean) =>
    new Promise<number>((resolve) => {
      w.onmessage = (e) => {
        const { results } = (typeof e.data === 'string' ? JSON.parse(e.data) : e.data) as Results;
        resolve(results.reduce((s, r) => s + r.score, 0));
      };
      w.postMessage({ packed });
    });
  for (let i = 0; i < 200; i++) await trip(i % 2 === 0);
  const ways =
    first === 'packed' ? (['packed', 'cloned'] as const) : (['cloned', 'packed'] as const);
  const blocks: Record<string, number[]> = { packed: [], cloned: [] };
  for (let b = 0; b < trips / block; b++)
    for (const way of ways) {
      const t0 = performance.now();
      for (let i = 0; i < block; i++) await trip(way === 'packed');
      blocks[way]!.push((performance.now() - t0) / block);
    }
  w.terminate();
  return ways.map((way) => {
    const v = [...blocks[way]!].sort((a, b) => a - b);
    return {
      way,
      medianMs: v[Math.floor(v.length / 2)]!,
      meanMs: v.reduce((s, x) => s + x, 0) / v.length,
    };
  });
}
