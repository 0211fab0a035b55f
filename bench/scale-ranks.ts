// `npx vite-node bench/scale-ranks.ts -- [--n=10000] [--out=FILE]`: the default search's top 10
// (texts and scores) for every BEAM probing question over N memories, with a fixed clock and no
// reinforcement, so that two versions of the code can be compared answer for answer (run it in
// each worktree, then compare the files; ids are made in write order).
import 'fake-indexeddb/auto';
import { writeFileSync } from 'node:fs';
import { Engine } from '../src/engine/engine';
import { HashEmbedder } from '../src/embed/hash-embedder';
import { loadBeamTexts } from './beam-texts.mjs';
import { addTexts } from './scale-texts';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const n = Number(arg('n', '10000'));
const { texts, queries } = loadBeamTexts(arg('data', '../shared/data/beam/100K'));
// Ids in write order (ties of equal texts are broken by id: random ones would differ per run).
let nextId = 0;
crypto.randomUUID = () =>
  `00000000-0000-4000-8000-${(nextId++).toString(16).padStart(12, '0')}` as ReturnType<
    typeof crypto.randomUUID
  >;
let now = Date.UTC(2026, 0, 1);
const engine = await Engine.open({
  name: `scale-ranks-${Date.now()}`,
  embedder: new HashEmbedder({ dim: 256 }),
  backend: 'cpu',
  reinforceOnSearch: false,
  clock: () => (now += 1),
});
await addTexts((items) => engine.addMany(items), texts, 0, n);
now = Date.UTC(2026, 6, 1);
const out: [string, string][][] = [];
for (const q of queries) {
  const { results } = await engine.search(q);
  out.push(results.map((r) => [r.memory, r.score.toPrecision(9)]));
}
writeFileSync(arg('out', 'ranks.json'), JSON.stringify(out));
await engine.reset();
await engine.close();
console.log(`${queries.length} queries over ${n} memories written`);
