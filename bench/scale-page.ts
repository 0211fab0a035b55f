// Loaded in a bench page by bench/scale.mjs: how default search, dense-only search and single
// add() scale with the number of memories, through the public API (engine in its Worker, CPU
// backend, hash embedder so that embedding time is not counted), on real chat text.
import { Engram } from '../src/engram';
import type { IndexModeOption } from '../src/search/index-mode';
import { addTexts, textAt } from './scale-texts';
import { pct, timeSearches } from './workload';

/** One store size's figures. */
export interface ScaleRow {
  n: number;
  /** Seconds addMany took to fill the store. */
  fillS: number;
  /**
   * Seconds the index took to settle after the fill and the warm-up searches (IVF lists trained
   * in the background, `info().indexBuilding`) and the engine's idle warm-up took to run
   * (`info().warmingUp`), before anything was timed; 0 when exact and no warm-up.
   */
  settleS: number;
  /** Default search (every retrieval stage), ms. */
  searchP50: number;
  searchP95: number;
  /**
   * The same default searches once more, straight after the first timed pass: the search path
   * warm (V8 has compiled it; the first ≈ 100 searches after a fill are not, RESULTS "Tenth pass").
   */
  againP50: number;
  againP95: number;
  /** Dense only (`retrieval: false`), ms. */
  denseP50: number;
  denseP95: number;
  /** Single add() calls per second (default options: facts inferred and consolidated). */
  addPerS: number;
  /** The index in use after the timed searches (`info().indexMode`). */
  indexMode: string;
}

/**
 * Fills one fresh store up to each size in `sizes` (ascending) and measures at each.
 * @param base - real chat texts (replicated with small variations past their count)
 * @param queries - real questions
 * @param sizes - store sizes, ascending
 * @param searches - timed searches per kind and size
 * @param adds - timed single add() calls per size (their memories count towards the next size)
 * @param mode - the index mode; null: the engine's default (no `index` option)
 * @param warmUp - the engine's idle warm-up of its search path (`warmUp` option, default on)
 */
export async function runScale(
  base: string[],
  queries: string[],
  sizes: number[],
  searches: number,
  adds: number,
  mode: IndexModeOption | null = null,
  warmUp = true,
): Promise<ScaleRow[]> {
  const name = `bench-scale-${crypto.randomUUID()}`;
  const mem = await Engram.open({
    name,
    embedder: { type: 'hash', dim: 256 },
    backend: 'cpu',
    worker: true,
    warmUp,
    ...(mode === null ? {} : { index: { mode } }),
  });
  const rows: ScaleRow[] = [];
  let filled = 0;
  try {
    for (const n of sizes) {
      const t0 = performance.now();
      await addTexts((items) => mem.addMany(items), base, filled, n);
      const fillS = (performance.now() - t0) / 1000;
      filled = n;
      // IVF lists train in the background, started by a search: the timed searches come after
      // (before, at 100k with index 'auto', they ran beside the k-means and the exact tail scan),
      // as does the engine's idle warm-up of its search path (`info().warmingUp`), which waits
      // for a pause in calls: no search while it is all that is left.
      for (let i = 0; i < 10; i++) await mem.search(queries[(i * 7) % queries.length]!);
      const s0 = performance.now();
      while (performance.now() - s0 < 600_000) {
        const { indexBuilding, warmingUp } = await mem.info();
        if (!indexBuilding && !warmingUp) break;
        await new Promise((res) => setTimeout(res, 200));
        if (indexBuilding) await mem.search(queries[0]!, { reinforce: false });
      }
      const settleS = (performance.now() - s0) / 1000;
      const sorted = async (options: Parameters<Engram['search']>[1]) =>
        (await timeSearches((q) => mem.search(q, options), queries, searches)).sort(
          (a, b) => a - b,
        );
      const dflt = await sorted({});
      const again = await sorted({});
      const dense = await sorted({ retrieval: false });
      const { indexMode } = await mem.info();
      const a0 = performance.now();
      for (let i = 0; i < adds; i++) await mem.add(textAt(base, n + i * 7919));
      const addPerS = adds / ((performance.now() - a0) / 1000);
      filled += adds;
      rows.push({
        n,
        fillS,
        settleS,
        searchP50: pct(dflt, 50),
        searchP95: pct(dflt, 95),
        againP50: pct(again, 50),
        againP95: pct(again, 95),
        denseP50: pct(dense, 50),
        denseP95: pct(dense, 95),
        addPerS,
        indexMode,
      });
    }
  } finally {
    await mem.reset();
    await mem.close();
  }
  return rows;
}
