// `npx vite-node bench/scale-ab.ts -- --base=DIR [--n=10000] [--rounds=5]`: this checkout's
// Retriever against another checkout's (DIR: e.g. a worktree of main) in one Node process, on
// the same N BEAM rows (ids in write order) and the same exact dense top 100 per question
// (hash-256): first whether both give the same top 10 (ids and scores) for every question, then
// per-search times (wall and the process's CPU time), the two interleaved question by question
// so that load hits both alike.
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { Retriever } from '../src/retrieval/retriever';
import { rowOf } from '../src/retrieval/lexical-row';
import { HashEmbedder } from '../src/embed/hash-embedder';
import { loadBeamTexts } from './beam-texts.mjs';
import { textAt } from './scale-texts';
import { spread } from './workload';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const base = arg('base', '');
if (!base) throw new Error('--base=DIR: the other checkout');
const n = Number(arg('n', '10000'));
const rounds = Number(arg('rounds', '5'));
const { texts, queries } = loadBeamTexts(arg('data', '../shared/data/beam/100K'));
const other = (await import(resolve(base, 'src/retrieval/retriever.ts'))) as {
  Retriever: typeof Retriever;
};

const t0 = Date.UTC(2026, 0, 1);
const docs = Array.from({ length: n }, (_, i) => ({
  id: `m${String(i).padStart(7, '0')}`,
  text: textAt(texts, i),
  time: t0 + i * 60_000,
}));
const embedder = new HashEmbedder({ dim: 256 });
const dv = await embedder.embed(docs.map((d) => d.text));
const qv = await embedder.embed(queries);
const sides = [new other.Retriever(), new Retriever()];
for (const d of docs) for (const r of sides) r.upsertRow(rowOf(d));
const dense = qv.map((q) => {
  const s = dv.map((v, i): [string, number] => {
    let x = 0;
    for (let k = 0; k < q.length; k++) x += v[k]! * q[k]!;
    return [docs[i]!.id, x];
  });
  return new Map(s.sort((x, y) => y[1] - x[1]).slice(0, 100));
});
const now = t0 + n * 60_000 + 86_400_000;
const input = (i: number) => ({
  dense: dense[i]!,
  now,
  features: () => ({ retention: 0.9, trust: 1 }),
});
let same = 0;
for (const [i, q] of queries.entries()) {
  const [a, b] = sides.map((r) => JSON.stringify(r.search(q, 10, input(i))));
  if (a === b) same++;
}
console.log(`same top 10 (ids and scores): ${same} of ${queries.length} questions`);
const times: number[][] = [[], []];
// The process's CPU time per search too (user + system, µs → ms): on a loaded machine the wall
// time counts the waits for a core, the CPU time mostly not (it does count GC threads).
const cpu: number[][] = [[], []];
for (let r = 0; r < rounds; r++)
  for (const [i, q] of queries.entries())
    for (const s of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const c0 = process.cpuUsage();
      const start = performance.now();
      sides[s]!.search(q, 10, input(i));
      times[s]!.push(performance.now() - start);
      const c = process.cpuUsage(c0);
      cpu[s]!.push((c.user + c.system) / 1000);
    }
const line = (label: string, t: number[]): void => {
  const s = spread(t);
  console.log(
    `${label.padEnd(10)} p50 ${s.p50.toFixed(2)}  p95 ${s.p95.toFixed(2)}  mean ${s.mean.toFixed(2)} ms`,
  );
};
console.log(`N ${n}, ${times[0]!.length} searches each, interleaved`);
line('base', times[0]!);
line('this', times[1]!);
line('base cpu', cpu[0]!);
line('this cpu', cpu[1]!);
console.log(
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
