// Leave-one-conversation-out calibration of the main stage weights (pure pipeline, cached
// USE-lite vectors: run `npm run eval:locomo` once first). For each held-out conversation the
// best grid point on the other four is scored on it: `npx vite-node eval/calibrate.ts`.
import { loadAll, recallAt, turnDoc } from './data';
import { CachedEmbedder } from './embed-cache';
import { Retriever, type RetrievalOptions } from '../src/retrieval/retriever';
import { dot } from '../src/retrieval/rerank';
const convs = loadAll('../shared/data/locomo');
const e = new CachedEmbedder(
  async () => {
    throw new Error('vectors missing from the cache: run npm run eval:locomo first');
  },
  { id: 'use-lite-512', dim: 512 },
);
const grid: [string, RetrievalOptions][] = [];
for (const ew of [1, 1.5, 2])
  for (const cw of [0.4, 0.5, 0.7])
    for (const dw of [0.3, 0.5, 0.7])
      for (const sp of [0.3, 0.5])
        grid.push([
          `ep${ew} ctx${cw} d${dw} sp${sp}`,
          {
            episode: { weight: ew },
            context: { weight: cw },
            dense: { weight: dw },
            lexical: { speaker: sp },
          },
        ]);
const data: { c: (typeof convs)[number]; tv: Float32Array[]; qv: Float32Array[] }[] = [];
for (const c of convs)
  data.push({
    c,
    tv: await e.embed(c.turns.map((t) => t.text)),
    qv: await e.embed(c.questions.map((q) => q.question)),
  });
// res[config][conv] = {sum, n}
const res = grid.map(() => data.map(() => ({ sum: 0, n: 0 })));
data.forEach(({ c, tv, qv }, ci) => {
  const r = new Retriever();
  c.turns.forEach((t) => r.upsert(turnDoc(t)));
  const now = Math.max(...c.turns.map((t) => t.time)) + 86400000;
  const dense = c.questions.map(
    (_, qi) =>
      new Map(
        c.turns
          .map((t, i) => [t.diaId, dot(qv[qi]!, tv[i]!)] as [string, number])
          .sort((a, b) => b[1] - a[1])
          .slice(0, 100),
      ),
  );
  grid.forEach(([, cfg], gi) =>
    c.questions.forEach((q, qi) => {
      const ranked = r.search(q.question, 10, { dense: dense[qi]!, now }, cfg).map((h) => h.id);
      res[gi]![ci]!.sum += recallAt(ranked, q.evidence, 10);
      res[gi]![ci]!.n++;
    }),
  );
});
const mean = (gi: number, skip: number) => {
  let s = 0,
    n = 0;
  res[gi]!.forEach((x, ci) => {
    if (ci !== skip) {
      s += x.sum;
      n += x.n;
    }
  });
  return s / n;
};
let heldSum = 0,
  heldN = 0;
data.forEach(({ c }, ci) => {
  let best = 0;
  grid.forEach((_, gi) => {
    if (mean(gi, ci) > mean(best, ci)) best = gi;
  });
  const held = res[best]![ci]!;
  heldSum += held.sum;
  heldN += held.n;
  console.log(
    `held out ${c.id}: best on others ${grid[best]![0]} (${mean(best, ci).toFixed(3)}), held-out ${(held.sum / held.n).toFixed(3)}`,
  );
});
console.log(`LOCO recall@10 ${(heldSum / heldN).toFixed(3)}`);
const order = grid.map((_, gi) => gi).sort((a, b) => mean(b, -1) - mean(a, -1));
for (const gi of order.slice(0, 8)) console.log(grid[gi]![0], mean(gi, -1).toFixed(3));
