// `npx vite-node bench/scale-modes.ts -- [--n=40000] [--searches=100] [--adds=50]`
// Index modes side by side in one Node process (fake-indexeddb, CPU, hash-256, BEAM texts as
// the scale benches): one store filled once, opened twice, with index 'fp32' and 'auto'; after
// 'auto' has settled (IVF lists trained), the two answer the same questions interleaved (so load
// hits both alike): default search and dense only, and how many of 'auto''s default top 10 are
// 'fp32''s; then single add()s, alternating between the two (each also catches up the other's).
import 'fake-indexeddb/auto';
import { loadavg } from 'node:os';
import { Engine } from '../src/engine/engine';
import { HashEmbedder } from '../src/embed/hash-embedder';
import type { IndexModeOption } from '../src/search/index-mode';
import { loadBeamTexts } from './beam-texts.mjs';
import { addTexts, textAt } from './scale-texts';
import { spread } from './workload';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const n = Number(arg('n', '40000'));
const searches = Number(arg('searches', '100'));
const adds = Number(arg('adds', '50'));
const { texts, queries } = loadBeamTexts(arg('data', '../shared/data/beam/100K'));
const name = `scale-modes-${Date.now()}`;
const open = (mode: IndexModeOption) =>
  Engine.open({
    name,
    embedder: new HashEmbedder({ dim: 256 }),
    backend: 'cpu',
    index: { mode },
    checkpoint: { idleMs: false },
  });

const t0 = performance.now();
const filler = await open('fp32');
await addTexts((items) => filler.addMany(items), texts, 0, n);
await filler.close();
console.log(`N ${n}: filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const modes = ['fp32', 'auto'] as const;
const engines = [await open('fp32'), await open('auto')];
const quiet = { reinforce: false };
for (const e of engines)
  for (let i = 0; i < 10; i++) await e.search(queries[(i * 7) % queries.length]!, quiet);
const s0 = performance.now();
while (engines[1]!.info().indexBuilding && performance.now() - s0 < 600_000) {
  await new Promise((res) => setTimeout(res, 200));
  await engines[1]!.search(queries[0]!, quiet);
}
console.log(`'auto' settled in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
const times = (): number[][] => modes.map(() => []);
const dflt = times();
const dense = times();
let agree = 0;
let total = 0;
for (let i = 0; i < searches; i++) {
  const q = queries[i % queries.length]!;
  const order = i % 2 === 0 ? [0, 1] : [1, 0];
  const tops: string[][] = [[], []];
  for (const m of order) {
    const a = performance.now();
    const r = await engines[m]!.search(q, quiet);
    dflt[m]!.push(performance.now() - a);
    tops[m] = r.results.map((x) => x.id);
    const b = performance.now();
    await engines[m]!.search(q, { ...quiet, retrieval: false });
    dense[m]!.push(performance.now() - b);
  }
  const exact = new Set(tops[0]);
  agree += tops[1]!.filter((id) => exact.has(id)).length;
  total += tops[0]!.length;
}
const add = times();
for (let i = 0; i < 2 * adds; i++) {
  const m = i % 2;
  const a = performance.now();
  await engines[m]!.add(textAt(texts, n + i * 7919));
  add[m]!.push(performance.now() - a);
}
const f = (t: number[]) => {
  const s = spread(t);
  return `p50 ${s.p50.toFixed(2).padStart(7)}  p95 ${s.p95.toFixed(2).padStart(7)}`;
};
for (const [m, mode] of modes.entries()) {
  const perS = adds / (add[m]!.reduce((x, y) => x + y, 0) / 1000);
  console.log(
    `${mode.padEnd(5)} default ${f(dflt[m]!)}   dense ${f(dense[m]!)}   add() ${f(add[m]!)} (${perS.toFixed(1)}/s)`,
  );
}
console.log(
  `'auto' default top 10 agreeing with 'fp32': ${(agree / total).toFixed(3)} (${agree} of ${total})`,
);
console.log(
  `load ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);
for (const e of engines) await e.close();
