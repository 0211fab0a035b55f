// `npx vite-node bench/api-engine-node.ts -- [--n=10000] [--reps=3000] [--profile]`
// What the engine adds to its vector index for a dense-only search (`search(…, { vector,
// retrieval: false })`), under Node (fake-indexeddb, CPU, no Worker): the index's own search
// and the engine's, alternating in blocks on the same queries; `--profile`: the engine side's
// self time per search outside the index.
import 'fake-indexeddb/auto';
import { performance } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import { Engine } from '../src/engine/engine';
import { HashEmbedder } from '../src/embed/hash-embedder';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const n = Number(arg('n', '10000'));
const reps = Number(arg('reps', '3000'));
const mode = arg('index', 'ivf') as 'ivf' | 'fp32';
const dim = 512;
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const engine = await Engine.open({
  name: `api-engine-${Date.now()}`,
  embedder: new HashEmbedder({ dim }),
  backend: 'cpu',
  index: { mode },
  checkpoint: { idleMs: false },
});
for (let from = 0; from < n; from += 2000) {
  const items = [];
  for (let r = from; r < Math.min(n, from + 2000); r++)
    items.push({
      text: `row ${r}`,
      vector: Float32Array.from({ length: dim }, rand),
      infer: false,
      link: false,
    });
  await engine.addMany(items);
}
const queries = Array.from({ length: 64 }, () => Float32Array.from({ length: dim }, rand));
const opts = (q: Float32Array) => ({
  vector: q,
  limit: 10,
  reinforce: false,
  retrieval: false as const,
});
await engine.search('q', opts(queries[0]!));
while (engine.info().indexBuilding) await new Promise((r) => setTimeout(r, 50));
const index = (
  engine as unknown as {
    core: { state: { index: { search: (q: Float32Array, k: number) => Promise<unknown> } } };
  }
).core.state.index;
const paths: Record<string, (q: Float32Array) => Promise<unknown>> = {
  index: (q) => index.search(q, 10),
  engine: (q) => engine.search('q', opts(q)),
};
const per: Record<string, number[]> = { index: [], engine: [] };
for (let block = 0; block < 20; block++)
  for (const [name, f] of Object.entries(paths)) {
    const t0 = performance.now();
    for (let i = 0; i < reps / 20; i++) await f(queries[i % queries.length]!);
    per[name]!.push((performance.now() - t0) / (reps / 20));
  }
const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const out = Object.fromEntries(Object.entries(per).map(([k, v]) => [k, med(v)]));
console.log(
  `n ${n}, ${mode}: ms/search (median of 20 blocks)`,
  JSON.stringify(out),
  `engine − index ${(out.engine! - out.index!).toFixed(4)} ms`,
);
if (process.argv.includes('--profile')) {
  const s = new Session();
  s.connect();
  const post = (m: string, p = {}) =>
    new Promise<any>((res, rej) => s.post(m, p, (e, r) => (e ? rej(e) : res(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 20 });
  await post('Profiler.start');
  for (let i = 0; i < reps; i++) await paths.engine!(queries[i % queries.length]!);
  const { profile } = await post('Profiler.stop');
  const byId = new Map(profile.nodes.map((x: any) => [x.id, x]));
  const self = new Map<string, number>();
  profile.samples.forEach((id: number, i: number) => {
    const f = (byId.get(id) as any).callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`  ${(ms / reps).toFixed(4).padStart(8)}  ${k}`);
}
await engine.close();
