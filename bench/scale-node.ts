// `npx vite-node bench/scale-node.ts -- [--n=10000] [--searches=200] [--adds=50] [--index=fp32]
//   [--profile | --profile=add] [--alloc] [--phases] [--add-at=K] [--ids=FILE]`
// The engine under Node (fake-indexeddb, CPU, hash-256) on the scale benches' BEAM texts: the
// first search after the fill, per-call times of default search (with and without reinforce),
// dense-only search and single add(), with no browser and no Worker in between — for A/B of code
// paths on a loaded machine (run the two sides back to back). `--profile`: CPU profile of the
// default searches (self and inclusive ms per search); `--profile=add`: of the single add()s.
// `--alloc`: the bytes the default searches allocate (V8's sampling heap profiler, garbage
// included), per search, by allocating function (and `allocKbPerSearch` in the JSON line). `--ids=FILE`: the default search's top 10
// memories for the first 100 questions, as JSON (to compare index modes' answers). `--phases`: the
// single add()s' time per phase (inclusive ms per add: plan, scan, decide, commit, …) and what
// each add wrote (facts, events, decisions). `--add-at=K`: the timed adds take the texts from
// memory number K on (default N), so that two sizes add the same texts. Ends with a JSON line of
// the same figures.
import 'fake-indexeddb/auto';
import { performance } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { Engine } from '../src/engine/engine';
import { HashEmbedder } from '../src/embed/hash-embedder';
import type { IndexModeOption } from '../src/search/index-mode';
import { loadBeamTexts } from './beam-texts.mjs';
import { addTexts, textAt } from './scale-texts';
import { timePhases } from './scale-phases';
import { spread, timeEach, timeSearches } from './workload';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const n = Number(arg('n', '10000'));
const searches = Number(arg('searches', '200'));
const adds = Number(arg('adds', '50'));
const mode = arg('index', 'fp32') as IndexModeOption;
const { texts, queries } = loadBeamTexts(arg('data', '../shared/data/beam/100K'));

/** Each timed kind's spread (ms), for the JSON last line. */
const figures: Record<string, ReturnType<typeof spread> & { calls: number }> = {};
function line(label: string, key: string, times: number[]): void {
  const s = spread(times);
  figures[key] = { calls: times.length, ...s };
  console.log(
    `${label.padEnd(26)} p50 ${s.p50.toFixed(2).padStart(7)}  p95 ${s.p95.toFixed(2).padStart(7)}  max ${s.max.toFixed(1).padStart(7)}  mean ${s.mean.toFixed(2).padStart(7)} ms`,
  );
}

const engine = await Engine.open({
  name: `scale-node-${Date.now()}`,
  embedder: new HashEmbedder({ dim: 256 }),
  backend: 'cpu',
  index: { mode },
});
const t0 = performance.now();
await addTexts((items) => engine.addMany(items), texts, 0, n);
const fillS = (performance.now() - t0) / 1000;
console.log(`N ${n}, index ${mode}: filled in ${fillS.toFixed(1)} s`);
const timed = (count: number, options: Parameters<Engine['search']>[1]): Promise<number[]> =>
  timeSearches((q) => engine.search(q, options), queries, count);
// The first search indexes what addMany wrote (a one-off); profile the searches after it.
const f0 = performance.now();
await engine.search(queries[0]!);
const firstSearchMs = performance.now() - f0;
console.log(`first search after the fill: ${firstSearchMs.toFixed(1)} ms`);
for (let i = 0; i < 10; i++) await engine.search(queries[(i * 7) % queries.length]!);
// IVF lists train in the background, started by a search: wait for them (at most 5 min).
const s0 = performance.now();
while (engine.info().indexBuilding && performance.now() - s0 < 300_000) {
  await new Promise((res) => setTimeout(res, 200));
  await engine.search(queries[0]!, { reinforce: false });
}
const settleS = (performance.now() - s0) / 1000;
if (mode !== 'fp32') console.log(`index settled in ${settleS.toFixed(1)} s`);
const profiled = process.argv.includes('--profile') ? 'search' : arg('profile', '');
const profile = profiled === 'search';
const session = new Session();
if (profile || profiled === 'add') session.connect();
if (profile) {
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
  await post(session, 'Profiler.start');
}
const alloc = process.argv.includes('--alloc');
/** KB allocated per default search (`--alloc`). */
let allocKbPerSearch: number | undefined;
if (alloc) {
  if (!profile) session.connect();
  await post(session, 'HeapProfiler.enable');
  await post(session, 'HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
line('default search', 'default', await timed(searches, {}));
if (alloc) {
  const { profile: p } = (await post(session, 'HeapProfiler.stopSampling')) as {
    profile: HeapProfile;
  };
  allocKbPerSearch = printAllocations(p, searches + 10);
}
if (profile) {
  const { profile: p } = (await post(session, 'Profiler.stop')) as { profile: CpuProfile };
  printProfile(p, searches + 10);
}
line('default, reinforce: false', 'noReinforce', await timed(searches, { reinforce: false }));
const idsOut = arg('ids', '');
if (idsOut) {
  // Each query's top 10 (default search), to compare index modes' answers afterwards.
  const all: string[][] = [];
  for (const q of queries.slice(0, 100))
    all.push((await engine.search(q, { reinforce: false })).results.map((r) => r.memory));
  writeFileSync(idsOut, JSON.stringify(all));
}
line('dense only', 'dense', await timed(searches, { retrieval: false, reinforce: false }));
const phases = process.argv.includes('--phases') ? timePhases(engine) : undefined;
if (profiled === 'add') {
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
  await post(session, 'Profiler.start');
}
const addAt = Number(arg('add-at', String(n)));
const decisions: string[] = [];
line(
  'add()',
  'add',
  await timeEach(adds, async (i) => {
    const r = await engine.add(textAt(texts, addAt + i * 7919));
    decisions.push(r.results.map((x) => x.event).join(','));
  }),
);
if (phases) phases.print(adds);
const tally: Record<string, number> = {};
for (const d of decisions.join(',').split(',')) tally[d] = (tally[d] ?? 0) + 1;
console.log(`add() decisions: ${JSON.stringify(tally)}`);
if (profiled === 'add') {
  const { profile: p } = (await post(session, 'Profiler.stop')) as { profile: CpuProfile };
  printProfile(p, adds, 'add()');
}
const memoriesAtEnd = engine.info().count;
await engine.reset();
await engine.close();
const { loadavg } = await import('node:os');
const load = loadavg().map((v) => v.toFixed(2));
console.log(`load ${load.join(' ')}`);
console.log(
  JSON.stringify({
    n,
    index: mode,
    fillS,
    firstSearchMs,
    settleS,
    memoriesAtEnd,
    ...figures,
    ...(allocKbPerSearch === undefined ? {} : { allocKbPerSearch }),
    load,
  }),
);

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

function post(s: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((res, rej) => s.post(method, params, (e, r) => (e ? rej(e) : res(r))));
}

/** Self and inclusive time per function (ms per call), the top 30 of each. */
function printProfile(p: CpuProfile, calls: number, what = 'search'): void {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const key = (id: number): string => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    let id: number | undefined = p.samples[i]!;
    self.set(key(id), (self.get(key(id)) ?? 0) + dt);
    const seen = new Set<string>();
    for (; id !== undefined; id = parent.get(id)) {
      const k = key(id);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
  }
  for (const [label, m] of [
    ['self', self],
    ['inclusive', incl],
  ] as const) {
    console.log(`-- ${label} ms per ${what}`);
    for (const [k, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 40))
      console.log(`${(ms / calls).toFixed(3).padStart(8)}  ${k}`);
  }
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
}

/**
 * Bytes allocated per call by each allocating function (self), the top 30, and the total.
 * @returns KB allocated per call
 */
function printAllocations(p: HeapProfile, calls: number): number {
  const self = new Map<string, number>();
  let total = 0;
  // A built-in (no script: Map.set, Array.push) is named with the function that called it.
  const walk = (x: HeapNode, caller: string): void => {
    const f = x.callFrame;
    const own = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    const k = f.url ? own : `${f.functionName || '(anon)'} ← ${caller}`;
    self.set(k, (self.get(k) ?? 0) + x.selfSize);
    total += x.selfSize;
    for (const c of x.children) walk(c, f.url ? own : caller);
  };
  walk(p.head, '(root)');
  console.log(`-- KB allocated per search: ${(total / calls / 1024).toFixed(1)}`);
  for (const [k, b] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`${(b / calls / 1024).toFixed(1).padStart(8)}  ${k}`);
  return total / calls / 1024;
}
