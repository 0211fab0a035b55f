// `npx vite-node bench/add-decisions.ts -- [--n=3000] [--adds=300] [--out=FILE]`
// A fixed add() script under Node (fake-indexeddb, CPU, hash-256) on BEAM texts: a store filled
// to N with addMany, then single add() calls that mix new texts, repeats, variations (UPDATE) and
// retractions ("forget that …"). Writes each call's results (event, memory, previousMemory, the id
// as the order in which it first appeared) and skipped parts as JSON, to compare two versions of
// the write path: the same script must give the same history.
import 'fake-indexeddb/auto';
import { writeFileSync } from 'node:fs';
import { Engine } from '../src/engine/engine';
import { HashEmbedder } from '../src/embed/hash-embedder';
import { loadBeamTexts } from './beam-texts.mjs';
import { addTexts, textAt } from './scale-texts';

const arg = (name: string, fallback: string): string =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const n = Number(arg('n', '3000'));
const adds = Number(arg('adds', '300'));
const { texts } = loadBeamTexts(arg('data', '../shared/data/beam/100K'));

let t = Date.UTC(2026, 0, 1);
const engine = await Engine.open({
  name: `add-decisions-${Date.now()}`,
  embedder: new HashEmbedder({ dim: 256 }),
  backend: 'cpu',
  clock: () => (t += 1000),
});
await addTexts((items) => engine.addMany(items), texts, 0, n);
const alias = new Map<string, number>();
const idOf = (id: string) => {
  if (!alias.has(id)) alias.set(id, alias.size);
  return alias.get(id)!;
};
const history: unknown[] = [];
const given: string[] = [];
for (let i = 0; i < adds; i++) {
  let text: string;
  const earlier = given.length ? given[(i * 31) % given.length]! : undefined;
  if (i % 5 === 1 && earlier)
    text = earlier; // a repeat
  else if (i % 5 === 2)
    text = textAt(texts, (i * 13) % n); // a stored one, as it is
  else if (i % 5 === 3)
    text = textAt(texts, ((i * 13) % n) + texts.length); // … varied
  else if (i % 10 === 4 && earlier) text = `Forget that ${earlier}`;
  else text = textAt(texts, n + i * 7919);
  given.push(text);
  const r = await engine.add(text, i % 7 === 6 ? { userId: 'u1' } : {});
  history.push({
    i,
    results: r.results.map((x) => ({ ...x, id: idOf(x.id) })),
    skipped: r.skipped,
  });
}
const tally: Record<string, number> = {};
for (const h of history as { results: { event: string }[] }[])
  for (const x of h.results) tally[x.event] = (tally[x.event] ?? 0) + 1;
console.log(`${adds} adds on ${n}: ${JSON.stringify(tally)}, ${engine.info().count} memories`);
writeFileSync(arg('out', 'add-decisions.json'), JSON.stringify(history, null, 1));
await engine.reset();
await engine.close();
