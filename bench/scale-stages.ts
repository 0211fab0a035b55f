// `npx vite-node bench/scale-stages.ts -- [--n=10000] [--searches=200]`: what each default stage
// costs per search at N memories (Node, fake-indexeddb, hash-256, reinforce off): the default
// search's median against the same search with one stage off, interleaved round by round so that
// load changes hit every variant alike. Ends with a JSON line.
import 'fake-indexeddb/auto';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { Engine } from '../src/engine/engine';
import { HashEmbedder } from '../src/embed/hash-embedder';
import type { RetrievalOptions } from '../src/retrieval/retriever';
import { loadBeamTexts } from './beam-texts.mjs';
import { addTexts } from './scale-texts';
import { spread } from './workload';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const n = Number(arg('n', '10000'));
const searches = Number(arg('searches', '200'));
const { texts, queries } = loadBeamTexts(arg('data', '../shared/data/beam/100K'));

const variants: [string, RetrievalOptions | false][] = [
  ['default', {}],
  ['dense only', false],
  ['lexical off', { lexical: false }],
  ['episode off', { episode: false }],
  ['time off', { time: false }],
  ['context off', { context: false }],
  ['links off', { links: false }],
  ['updates off', { updates: false }],
  ['standing off', { standing: false }],
  ['rerank off', { rerank: false }],
];

const engine = await Engine.open({
  name: `scale-stages-${Date.now()}`,
  embedder: new HashEmbedder({ dim: 256 }),
  backend: 'cpu',
});
await addTexts((items) => engine.addMany(items), texts, 0, n);
for (let i = 0; i < 20; i++) await engine.search(queries[i]!, { reinforce: false });
const vectors = await new HashEmbedder({ dim: 256 }).embed(queries);
const times = variants.map((): number[] => []);
for (let i = 0; i < searches; i++) {
  const q = queries[i % queries.length]!;
  for (const [v, [, retrieval]] of variants.entries()) {
    const t0 = performance.now();
    await engine.search(q, { reinforce: false, retrieval, vector: vectors[i % queries.length]! });
    times[v]!.push(performance.now() - t0);
  }
}
const out: Record<string, { p50: number; p95: number; mean: number }> = {};
const base = spread(times[0]!).mean;
for (const [v, [label]] of variants.entries()) {
  const s = spread(times[v]!);
  out[label] = { p50: s.p50, p95: s.p95, mean: s.mean };
  console.log(
    `${label.padEnd(14)} p50 ${s.p50.toFixed(2).padStart(6)}  p95 ${s.p95.toFixed(2).padStart(6)}  mean ${s.mean.toFixed(2).padStart(6)} ms  (default − this: ${(base - s.mean).toFixed(2)} ms)`,
  );
}
await engine.reset();
await engine.close();
console.log(JSON.stringify({ n, searches, ...out, load: loadavg().map((x) => x.toFixed(2)) }));
