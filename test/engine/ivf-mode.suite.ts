// index { mode: 'ivf' } through the public Engram (Worker, real IndexedDB): a store grown
// past the IVF training size (1 000 vectors) and past its retraining size (twice that),
// with deletes and an erasure, reopened (checkpoint or log), answers within the recall
// floor of an fp32 store holding the same memories and never returns a removed one.
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { hasWebGPU } from '../helpers/browser';
import { gpuPage } from '../gpu/page';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

let page: Page;

beforeAll(async () => {
  page = await gpuPage();
});

test('ivf: trained and retrained as the store grows, same top results as fp32 within the recall floor, nothing removed comes back', async () => {
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const qf = await importSrc<typeof import('../search/quant-fixtures')>(
      '/test/search/quant-fixtures.ts',
    );
    const dim = 64; // the fixture's hash embedder; every memory and query brings its vector
    const n = 2600;
    const nq = 30;
    const rows = qf.clusteredRows(n + nq, dim, 21, 48);
    const item = (i: number) => ({
      text: `memory ${i}`,
      vector: rows.slice(i * dim, (i + 1) * dim),
      infer: false,
      link: false,
    });
    const names = { ivf: f.uniqueName('ivf'), fp32: f.uniqueName('fp32') };
    const open = (mode: 'ivf' | 'fp32') =>
      f.openEngram({ name: names[mode], index: mode === 'ivf' ? { mode, nprobe: 8 } : { mode } });
    const mems = { ivf: await open('ivf'), fp32: await open('fp32') };
    const top = async (mode: 'ivf' | 'fp32') => {
      const out: string[][] = [];
      for (let q = 0; q < nq; q++) {
        const { results } = await mems[mode].search(`query ${q}`, {
          vector: rows.slice((n + q) * dim, (n + q + 1) * dim),
          limit: 10,
          reinforce: false,
          retrieval: false,
        });
        out.push(results.map((x) => x.memory));
      }
      return out;
    };
    const recall = (got: string[][], want: string[][]) =>
      got.reduce((a, g, q) => a + g.filter((t) => want[q]!.includes(t)).length, 0) /
      want.reduce((a, w) => a + w.length, 0);
    const ids: Record<'ivf' | 'fp32', string[]> = { ivf: [], fp32: [] };
    const add = async (from: number, to: number) => {
      for (const mode of ['ivf', 'fp32'] as const) {
        const items = Array.from({ length: to - from }, (_, j) => item(from + j));
        const { results } = await mems[mode].addMany(items);
        ids[mode].push(...results.map((x) => x.id));
      }
    };
    const modes: string[] = [];
    await add(0, 600);
    await top('ivf');
    modes.push((await mems.ivf.info()).indexMode); // below 1 000: exact
    await add(600, 1200);
    const trained = recall(await top('ivf'), await top('fp32')); // trained at 1 200
    modes.push((await mems.ivf.info()).indexMode);
    await add(1200, n); // more than doubled: retrained at the next search
    const grown = { ivf: await top('ivf'), fp32: await top('fp32') };
    // Remove the fp32 top hit of every query (delete), and one more memory (erase).
    const gone = new Set(grown.fp32.map((t) => t[0]!));
    const index = (text: string) => Number(text.split(' ')[1]);
    for (const text of gone) {
      for (const mode of ['ivf', 'fp32'] as const) await mems[mode].delete(ids[mode][index(text)]!);
    }
    const erased = grown.fp32[0]![1]!;
    gone.add(erased);
    for (const mode of ['ivf', 'fp32'] as const) await mems[mode].erase(ids[mode][index(erased)]!);
    const after = { ivf: await top('ivf'), fp32: await top('fp32') };
    const info = await mems.ivf.info();
    for (const mode of ['ivf', 'fp32'] as const) await mems[mode].close();
    mems.ivf = await open('ivf');
    mems.fp32 = await open('fp32');
    const reopened = { ivf: await top('ivf'), fp32: await top('fp32') };
    const reInfo = await mems.ivf.info();
    for (const mode of ['ivf', 'fp32'] as const) await mems[mode].close();
    const leaked = [...after.ivf, ...reopened.ivf].flat().filter((t) => gone.has(t));
    return {
      modes,
      trained,
      grown: recall(grown.ivf, grown.fp32),
      after: recall(after.ivf, after.fp32),
      reopened: recall(reopened.ivf, reopened.fp32),
      fp32Stable: JSON.stringify(reopened.fp32) === JSON.stringify(after.fp32),
      full: [...after.ivf, ...reopened.ivf].every((t) => t.length === 10),
      gone: gone.size,
      leaked,
      info: { mode: info.indexMode, backend: info.backend, count: info.count },
      reInfo: { mode: reInfo.indexMode, count: reInfo.count, inWorker: mems.ivf.inWorker },
    };
  }, FIXTURE);
  console.log(
    `ivf vs fp32 recall@10: trained ${r.trained}, grown ${r.grown}, after deletes ${r.after}, reopened ${r.reopened}`,
  );
  expect(r.modes).toEqual(['fp32', 'ivf']);
  expect(r.info).toEqual({ mode: 'ivf', backend: 'cpu', count: 2600 - r.gone });
  expect(r.reInfo).toEqual({ mode: 'ivf', count: 2600 - r.gone, inWorker: true });
  expect(r.gone).toBeGreaterThan(10);
  for (const v of [r.trained, r.grown, r.after, r.reopened]) expect(v).toBeGreaterThanOrEqual(0.97);
  expect(r.fp32Stable).toBe(true);
  expect(r.full).toBe(true);
  expect(r.leaked).toEqual([]);
});

test('index options are checked: unknown keys, bad nprobe, nprobe without ivf, unknown mode', async () => {
  const codes = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const bad = [
      { mode: 'ivf', probes: 8 },
      { mode: 'ivf', nprobe: 0 },
      { mode: 'ivf', nprobe: 2.5 },
      { mode: 'fp32', nprobe: 8 },
      { mode: 'hnsw' },
    ];
    const out: (string | undefined)[] = [];
    for (const index of bad) {
      out.push(
        await f
          .openEngram({ index: index as { mode: 'ivf' } })
          .then(async (m) => (await m.close(), 'opened'))
          .catch((e: { code?: string }) => e.code),
      );
    }
    const auto = await f.openEngram({ index: { mode: 'auto', nprobe: 16 } });
    await auto.add('a note about the river', { infer: false });
    const info = await auto.info();
    await auto.close();
    out.push(`${info.indexMode} ${info.backend}`);
    return out;
  }, FIXTURE);
  expect(codes).toEqual([...Array(5).fill('InvalidArgument'), 'fp32 cpu']);
});

test("on WebGPU (SwiftShader): 'ivf' runs the CPU IVF and says so; 'auto' stays the exact GPU scan", async (ctx) => {
  if (!(await hasWebGPU(page))) return ctx.skip();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const out: Record<string, { backend: string; reason: string; mode: string }> = {};
    for (const mode of ['ivf', 'auto'] as const) {
      const e = await f.openEngine(f.uniqueName(mode), { backend: 'webgpu', index: { mode } });
      await e.add('a note about the river', { infer: false });
      await e.search('river', { limit: 1, reinforce: false });
      const info = e.info();
      out[mode] = { backend: info.backend, reason: info.backendReason, mode: info.indexMode };
      await e.close();
    }
    return out;
  }, FIXTURE);
  expect(r.ivf).toMatchObject({ backend: 'cpu', mode: 'fp32' }); // one memory: below training
  expect(r.ivf!.reason).toContain('index mode ivf runs on the CPU');
  expect(r.auto).toMatchObject({ backend: 'webgpu', mode: 'fp32' });
  expect(r.auto!.reason).toContain('index mode auto scans exactly on WebGPU');
});
