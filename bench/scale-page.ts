// Loaded in a bench page by bench/scale.mjs: how default search, dense-only search and single
// add() scale with the number of memories, through the public API (engine in its Worker, CPU
// backend, hash embedder so that embedding time is not counted), on real chat text.
import { Engram } from '../src/engram';
import type { IndexModeOption } from '../src/search/index-mode';
import { textAt } from './scale-texts';
import { pct } from './workload';

/** One store size's figures. */
export interface ScaleRow {
  n: number;
  /** Seconds addMany took to fill the store. */
  fillS: number;
  /** Default search (every retrieval stage), ms. */
  searchP50: number;
  searchP95: number;
  /** Dense only (`retrieval: false`), ms. */
  denseP50: number;
  denseP95: number;
  /** Single add() calls per second (default options: facts inferred and consolidated). */
  addPerS: number;
}

async function timeSearches(
  mem: Engram,
  queries: readonly string[],
  count: number,
  options: Parameters<Engram['search']>[1],
): Promise<number[]> {
  for (let i = 0; i < 10; i++) await mem.search(queries[(i * 7) % queries.length]!, options);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await mem.search(queries[i % queries.length]!, options);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

/**
 * Fills one fresh store up to each size in `sizes` (ascending) and measures at each.
 * @param base - real chat texts (replicated with small variations past their count)
 * @param queries - real questions
 * @param sizes - store sizes, ascending
 * @param searches - timed searches per kind and size
 * @param adds - timed single add() calls per size (their memories count towards the next size)
 * @param mode - the index mode
 */
export async function runScale(
  base: string[],
  queries: string[],
  sizes: number[],
  searches: number,
  adds: number,
  mode: IndexModeOption = 'fp32',
): Promise<ScaleRow[]> {
  const name = `bench-scale-${crypto.randomUUID()}`;
  const mem = await Engram.open({
    name,
    embedder: { type: 'hash', dim: 256 },
    backend: 'cpu',
    worker: true,
    index: { mode },
  });
  const rows: ScaleRow[] = [];
  let filled = 0;
  try {
    for (const n of sizes) {
      const t0 = performance.now();
      for (let at = filled; at < n; at += 2000) {
        const end = Math.min(n, at + 2000);
        const items = [];
        for (let i = at; i < end; i++) items.push({ text: textAt(base, i) });
        await mem.addMany(items);
      }
      const fillS = (performance.now() - t0) / 1000;
      filled = n;
      const dflt = await timeSearches(mem, queries, searches, {});
      const dense = await timeSearches(mem, queries, searches, { retrieval: false });
      const a0 = performance.now();
      for (let i = 0; i < adds; i++) await mem.add(textAt(base, n + i * 7919));
      const addPerS = adds / ((performance.now() - a0) / 1000);
      filled += adds;
      rows.push({
        n,
        fillS,
        searchP50: pct(dflt, 50),
        searchP95: pct(dflt, 95),
        denseP50: pct(dense, 50),
        denseP95: pct(dense, 95),
        addPerS,
      });
    }
  } finally {
    await mem.reset();
    await mem.close();
  }
  return rows;
}
