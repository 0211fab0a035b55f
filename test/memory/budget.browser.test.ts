// The memory budget: a store of 5k hash-embedded memories (10k until 2 December) reopened with
// gpuBudgetBytes at 25% and compacted to 50%. The resident index never holds
// more than the budget; the most valuable memories (retention × importance)
// are the resident ones; the two-pass search equals the unbudgeted one; new
// memories evict the least valuable. Prints recall@10 of the hot-only pass.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('gpuBudgetBytes and compact({ maxBytes }): hot tier within budget, valued, two-pass exact', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { TieredIndex } = await importSrc<typeof import('../../src/search/tiered-index')>(
      '/src/search/tiered-index.ts',
    );
    const { residentValue } = await importSrc<typeof import('../../src/memory/memory-value')>(
      '/src/memory/memory-value.ts',
    );
    const DAY = 86_400_000;
    let now = 1_700_000_000_000;
    const clock = () => now;
    const name = f.uniqueName('budget');
    const vocab = Array.from({ length: 300 }, (_, i) => `w${(i * 7919) % 1000}`);
    let seed = 7;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const sentence = () =>
      Array.from({ length: 6 }, () => vocab[Math.floor(rand() * 300)]).join(' ');
    const N = 5_000;
    const common = { clock, reinforceOnSearch: false } as const;
    const plain = await f.openEngine(name, common);
    for (let day = 0; day < 10; day++) {
      const items = Array.from({ length: N / 10 }, (_, i) => ({
        text: `${sentence()} ${day}-${i}`,
        infer: false,
        link: false,
        metadata: { importance: ((day * 13 + i) % 4) + 0.5 },
      }));
      await plain.addMany(items);
      now += DAY;
    }
    const queries = Array.from({ length: 40 }, sentence);
    const search = async (e: typeof plain) => {
      const out: { ids: string[]; scores: number[] }[] = [];
      for (const q of queries) {
        const { results } = await e.search(q, { limit: 10, reinforce: false, retrieval: false });
        out.push({ ids: results.map((x) => x.id), scores: results.map((x) => x.score) });
      }
      return out;
    };
    const truth = await search(plain);
    const bytesPerVector = plain.info().residentBytesPerVector;
    await plain.close();

    const recall = (got: { ids: string[] }[]) =>
      got.reduce((a, g, q) => a + g.ids.filter((id) => truth[q]!.ids.includes(id)).length, 0) /
      got.reduce((a, _g, q) => a + truth[q]!.ids.length, 0);
    const budgeted = await f.openEngine(name, {
      ...common,
      gpuBudgetBytes: Math.floor(0.25 * N * bytesPerVector),
    });
    const state = (
      budgeted as unknown as { state: import('../../src/engine/memory-state').MemoryState }
    ).state;
    const tiers = () => state.index as InstanceType<typeof TieredIndex>;
    const measure = async () => {
      const t0 = performance.now();
      const two = await search(budgeted);
      const twoMs = (performance.now() - t0) / queries.length;
      tiers().secondPass = false;
      const t1 = performance.now();
      const hot = await search(budgeted);
      const hotMs = (performance.now() - t1) / queries.length;
      tiers().secondPass = true;
      // Every resident memory is worth at least as much as every cold one.
      let minHot = Infinity;
      let maxCold = -Infinity;
      for (const rec of state.records.values()) {
        const v = residentValue(rec, true, now);
        if (tiers().isHot(rec.slot)) minHot = Math.min(minHot, v);
        else maxCold = Math.max(maxCold, v);
      }
      return {
        twoExact: JSON.stringify(two) === JSON.stringify(truth),
        twoRecall: recall(two),
        hotRecall: recall(hot),
        twoMs,
        hotMs,
        hotRows: tiers().hotRows,
        residentBytes: tiers().residentBytes,
        ordered: minHot >= maxCold,
      };
    };
    const quarter = await measure();
    const half = {
      ...(await budgeted.compact({ maxBytes: Math.floor(0.5 * N * bytesPerVector) })),
      ...(await measure()),
    };
    // A new memory under a full budget is resident; the budget still holds.
    const added = await budgeted.add('a brand new memory w1 w2 w3', { infer: false, link: false });
    const newSlot = state.records.get(added.results[0]!.id)!.slot;
    const newHot = tiers().isHot(newSlot);
    const afterAdd = tiers().residentBytes;
    const bad = await budgeted.compact({ maxBytes: -1 }).then(
      () => 'ok',
      (e: { code?: string }) => e.code,
    );
    await budgeted.close();
    const unbudgeted = await f.openEngine(name, common);
    const set = await unbudgeted.compact({ maxBytes: 100 * bytesPerVector });
    await unbudgeted.close();
    return { bytesPerVector, quarter, half, newHot, afterAdd, bad, set };
  }, FIXTURE);
  console.log(JSON.stringify(r, null, 1));
  const N = 5_000;
  const quarterBudget = Math.floor(0.25 * N * r.bytesPerVector);
  const halfBudget = Math.floor(0.5 * N * r.bytesPerVector);
  expect(r.quarter.hotRows).toBe(Math.floor(quarterBudget / r.bytesPerVector));
  expect(r.quarter.residentBytes).toBeLessThanOrEqual(quarterBudget);
  expect(r.half.hotRows).toBe(Math.floor(halfBudget / r.bytesPerVector));
  expect(r.half.residentBytes).toBeLessThanOrEqual(halfBudget);
  expect(r.afterAdd).toBeLessThanOrEqual(halfBudget);
  for (const m of [r.quarter, r.half]) {
    expect(m.twoExact).toBe(true); // the cold pass makes the budget free in recall
    expect(m.ordered).toBe(true);
    expect(m.hotRecall).toBeLessThan(1);
  }
  expect(r.half.hotRecall).toBeGreaterThan(r.quarter.hotRecall);
  expect(r.newHot).toBe(true);
  expect(r.bad).toBe('InvalidArgument');
  expect(r.set).toMatchObject({
    hot: 100,
    cold: N + 1 - 100,
    residentBytes: 100 * r.bytesPerVector,
  });
}, 300_000);
