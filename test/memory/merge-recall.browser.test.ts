// What merging saves and costs on a fixed workload: 5k memories (64-d random
// unit vectors), 20% of them planted near-duplicates (500 memories with one
// near-copy, 250 with two; cosine ≈ 0.98–0.99 to the original). (10k until
// 2 December: the same proportions at half the size, to keep CI's time down.) The budget is
// set at 100/80/60% of the unmerged index, before and after merge({ 0.97 });
// recall@10 of the resident (hot-only) pass and of the two-pass search is
// measured against exact search on the unmerged store, strictly and counting a
// representative as a hit for its duplicates. Prints the table.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('merge on 5k memories with 20% near-duplicates: planted clusters found, bytes saved, recall kept', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { TieredIndex } = await importSrc<typeof import('../../src/search/tiered-index')>(
      '/src/search/tiered-index.ts',
    );
    const DIM = 64;
    const N = 5_000;
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const unit = (v: number[]) => {
      const l = Math.hypot(...v);
      return v.map((x) => x / l);
    };
    const noisy = (v: number[], norm: number) => {
      const g = unit(Array.from({ length: DIM }, gauss));
      return unit(v.map((x, i) => x + norm * g[i]!));
    };
    // 4 000 originals; originals 0..499 get one near-copy, 500..749 two.
    const base = Array.from({ length: 4000 }, () => unit(Array.from({ length: DIM }, gauss)));
    const items: { text: string; vector: number[]; cluster: number }[] = base.map((v, i) => ({
      text: `m${i}`,
      vector: v,
      cluster: i,
    }));
    for (let i = 0; i < 750; i++)
      for (let c = 0; c < (i < 500 ? 1 : 2); c++)
        items.push({ text: `m${i}-dup${c}`, vector: noisy(base[i]!, 0.15), cluster: i });
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    const table = Object.fromEntries(items.map((x) => [x.text, x.vector]));
    const clusterOf = new Map(items.map((x) => [x.text, x.cluster]));
    const e = await f.openEngine(f.uniqueName('merge-recall'), {
      embedder: f.fixedEmbedder(DIM, table),
      clock: () => 1_700_000_000_000,
      reinforceOnSearch: false,
    });
    const added = await e.addMany(
      items.map((x, i) => ({
        text: x.text,
        link: false,
        metadata: { importance: [0.5, 1, 2][i % 3]! },
      })),
    );
    const textOf = new Map(added.results.map((x) => [x.id, x.memory]));
    // 200 queries near stored memories: half near a planted cluster, half near a singleton.
    const queries: string[] = [];
    for (let q = 0; q < 200; q++) {
      const i = q < 100 ? Math.floor(rand() * 750) : 750 + Math.floor(rand() * 3250);
      table[`q${q}`] = noisy(base[i]!, 0.6);
      queries.push(`q${q}`);
    }
    const dense = { limit: 10, reinforce: false, retrieval: false } as const;
    const search = async () => {
      const out: string[][] = [];
      for (const q of queries) out.push((await e.search(q, dense)).results.map((x) => x.id));
      return out;
    };
    const truth = await search();
    const bpv = e.info().residentBytesPerVector;
    const tiers = () =>
      (e as unknown as { state: { index: InstanceType<typeof TieredIndex> } }).state.index;
    // Representative of each merged memory (filled after the merge).
    const repOf = new Map<string, string>();
    const recall = (got: string[][], credit: boolean) => {
      let hit = 0;
      truth.forEach((t, q) => {
        const g = new Set(got[q]);
        for (const id of t) if (g.has(id) || (credit && g.has(repOf.get(id) ?? ''))) hit++;
      });
      return hit / truth.reduce((n, t) => n + t.length, 0);
    };
    const rows: Record<string, number | string>[] = [];
    const measure = async (label: string, budget: number, mergeThreshold?: number) => {
      const t0 = performance.now();
      const c = await e.compact({
        maxBytes: Math.floor(budget * N * bpv),
        ...(mergeThreshold ? { mergeThreshold } : {}),
      });
      const compactMs = performance.now() - t0;
      for (const cl of c.merge?.clusters ?? [])
        for (const m of cl.merged) repOf.set(m, cl.representative);
      const two = await search();
      tiers().secondPass = false;
      const hot = await search();
      tiers().secondPass = true;
      rows.push({
        label,
        budget,
        active: e.info().count,
        hot: c.hot,
        hotBytes: c.hot * bpv,
        merged: c.merge?.merged ?? 0,
        compactMs: Math.round(compactMs),
        hotStrict: recall(hot, false),
        hotCredited: recall(hot, true),
        twoStrict: recall(two, false),
        twoCredited: recall(two, true),
      });
      return c;
    };
    await measure('no merge', 1);
    await measure('no merge', 0.8);
    await measure('no merge', 0.6);
    const merged = await measure('merged 0.97', 0.8, 0.97);
    await measure('merged 0.97', 1);
    await measure('merged 0.97', 0.6);
    // Every planted cluster is one cluster: nothing else merged, nothing missed.
    const planted = merged.merge!.clusters.every((cl) =>
      cl.merged.every(
        (m) => clusterOf.get(textOf.get(m)!) === clusterOf.get(textOf.get(cl.representative)!),
      ),
    );
    const sizes = merged.merge!.clusters.map((cl) => cl.merged.length + 1);
    // Unmerging every representative gives back the exact unmerged search.
    const t0 = performance.now();
    for (const cl of merged.merge!.clusters) await e.unmerge(cl.representative);
    const unmergeMs = performance.now() - t0;
    await e.compact({ maxBytes: N * bpv });
    const back = JSON.stringify(await search()) === JSON.stringify(truth);
    const log = await e.verifyLog();
    await e.close();
    return {
      rows,
      bpv,
      clusters: merged.merge!.clusters.length,
      pairs: sizes.filter((s) => s === 2).length,
      triples: sizes.filter((s) => s === 3).length,
      planted,
      unmergeMs: Math.round(unmergeMs),
      back,
      log: log.ok,
    };
  }, FIXTURE);
  const pct = (x: number) => (x * 100).toFixed(1).padStart(6);
  const lines = [
    `merge workload: N=5000, 64-d, 20% planted near-duplicates, ${r.bpv} B/vector resident`,
    'setting      budget  active   hot  hot bytes  merged  compact ms  hot-only R@10 strict/credited  two-pass R@10 strict/credited',
    ...r.rows.map(
      (x) =>
        `${String(x.label).padEnd(12)} ${pct(x.budget as number)}% ${String(x.active).padStart(6)} ${String(x.hot).padStart(5)} ${String(x.hotBytes).padStart(10)} ${String(x.merged).padStart(7)} ${String(x.compactMs).padStart(11)}        ${pct(x.hotStrict as number)} / ${pct(x.hotCredited as number)}              ${pct(x.twoStrict as number)} / ${pct(x.twoCredited as number)}`,
    ),
    `unmerge of all ${r.clusters} representatives: ${r.unmergeMs} ms; search equals the unmerged one again: ${r.back}`,
  ];
  console.log(lines.join('\n'));
  expect(r.clusters).toBe(750);
  expect([r.pairs, r.triples]).toEqual([500, 250]);
  expect(r.planted).toBe(true);
  const byKey = Object.fromEntries(r.rows.map((x) => [`${x.label}@${x.budget}`, x]));
  expect(byKey['no merge@1']).toMatchObject({ hot: 5_000, hotStrict: 1, twoStrict: 1 });
  expect(byKey['merged 0.97@0.8']).toMatchObject({ merged: 1000, active: 4000, hot: 4000 });
  // After merging, 80% of the bytes hold every distinct memory: nothing is lost
  // to the budget, and a representative stands for its duplicates. Not 1: where
  // the exact top 10 ends on a duplicate, its representative (cosine ≈ 0.98 to
  // it) may score just below the 10th and give its place to the 11th.
  const mergedAt80 = byKey['merged 0.97@0.8']!;
  expect(mergedAt80.hotCredited as number).toBeGreaterThanOrEqual(0.97);
  expect(mergedAt80.twoCredited as number).toBeGreaterThanOrEqual(0.97);
  expect(mergedAt80.hotCredited as number).toBeGreaterThan(
    (byKey['no merge@0.8']!.hotStrict as number) + 0.15,
  );
  expect(byKey['no merge@0.8']!.hotStrict as number).toBeLessThan(1);
  expect(r.back).toBe(true);
  expect(r.log).toBe(true);
});
