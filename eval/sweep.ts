// Per-category recall@5/10/25 of stage configurations over the pure pipeline (cached USE-lite
// vectors: run `npm run eval:locomo` once first), with per-conversation recall@10 (overall /
// multi-hop) to check that a change holds on every held-out conversation, and the held-out
// (leave-one-conversation-out) recall@10 overall and by category of the configurations given. Configurations as JSON:
// CONFIGS='[["name", {"links": {"weight": 0.1}}], ...]' npx vite-node eval/sweep.ts
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
const configs: [string, RetrievalOptions][] = JSON.parse(process.env.CONFIGS ?? '[["default",{}]]');
const data = [];
for (const c of convs) {
  const tv = await e.embed(c.turns.map((t) => t.text));
  const qv = await e.embed(c.questions.map((q) => q.question));
  const r = new Retriever();
  c.turns.forEach((t) => r.upsert(turnDoc(t)));
  const vec = new Map(c.turns.map((t, i) => [t.diaId, tv[i]!]));
  const now = Math.max(...c.turns.map((t) => t.time)) + 86400000;
  data.push({ c, r, qv, tv, vec, now });
}
// held[config][conv] = [sum of recall@10, questions] overall; heldCat[config][conv][category] likewise
const held: [number, number][][] = [];
const heldCat: Map<number, [number, number]>[][] = [];
for (const [name, cfg] of configs) {
  const perConvSums: [number, number][] = [];
  const perConvCat: Map<number, [number, number]>[] = [];
  held.push(perConvSums);
  heldCat.push(perConvCat);
  const t0 = Date.now();
  const sums = new Map<string, [number, number, number, number]>();
  const perConv: string[] = [];
  for (const { c, r, qv, tv, vec, now } of data) {
    let cs = 0,
      cn = 0,
      ms = 0,
      mn = 0;
    const byCat = new Map<number, [number, number]>();
    perConvCat.push(byCat);
    c.questions.forEach((q, qi) => {
      const dense = new Map(
        c.turns
          .map((t, i) => [t.diaId, dot(qv[qi]!, tv[i]!)] as [string, number])
          .sort((a, b) => b[1] - a[1])
          .slice(0, 100),
      );
      const ranked = r
        .search(q.question, 25, { dense, now, vector: (id) => vec.get(id) }, cfg)
        .map((h) => h.id);
      for (const cat of [String(q.category), 'all']) {
        const s = sums.get(cat) ?? [0, 0, 0, 0];
        s[0] += recallAt(ranked, q.evidence, 5);
        s[1] += recallAt(ranked, q.evidence, 10);
        s[2] += recallAt(ranked, q.evidence, 25);
        s[3]++;
        sums.set(cat, s);
      }
      cs += recallAt(ranked, q.evidence, 10);
      cn++;
      const cat = byCat.get(q.category) ?? [0, 0];
      cat[0] += recallAt(ranked, q.evidence, 10);
      cat[1]++;
      byCat.set(q.category, cat);
      if (q.category === 1) {
        ms += recallAt(ranked, q.evidence, 10);
        mn++;
      }
    });
    perConv.push(`${c.id}:${(cs / cn).toFixed(3)}/${(ms / mn).toFixed(3)}`);
    perConvSums.push([cs, cn]);
  }
  const f = (cat: string, i: number) => (sums.get(cat)![i]! / sums.get(cat)![3]!).toFixed(3);
  console.log(
    `${name.padEnd(28)} @10 mh ${f('1', 1)} tmp ${f('2', 1)} open ${f('3', 1)} single ${f('4', 1)} adv ${f('5', 1)} ALL ${f('all', 1)} | @5 ${f('all', 0)} @25 ${f('all', 2)} mh@5 ${f('1', 0)} | ${perConv.join(' ')} ${Date.now() - t0}ms`,
  );
}
// Leave-one-conversation-out over the configurations given: for each conversation, the best
// configuration on the others (recall@10), scored on it.
if (configs.length > 1) {
  let sum = 0;
  let n = 0;
  // Held-out recall@10 by category (multi-hop 1, temporal 2) of the configuration chosen.
  const catSums = new Map<number, [number, number]>();
  data.forEach(({ c }, ci) => {
    const mean = (gi: number) => {
      let s = 0;
      let m = 0;
      held[gi]!.forEach(([x, k], j) => j !== ci && ((s += x), (m += k)));
      return s / m;
    };
    let best = 0;
    configs.forEach((_, gi) => mean(gi) > mean(best) && (best = gi));
    const [x, k] = held[best]![ci]!;
    sum += x;
    n += k;
    for (const [cat, [cx, ck]] of heldCat[best]![ci]!) {
      const t = catSums.get(cat) ?? [0, 0];
      t[0] += cx;
      t[1] += ck;
      catSums.set(cat, t);
    }
    console.log(`held out ${c.id}: ${configs[best]![0]} → ${(x / k).toFixed(3)}`);
  });
  const cat = (k: number) => {
    const [x, m] = catSums.get(k) ?? [0, 0];
    return (x / m).toFixed(3);
  };
  console.log(
    `LOCO recall@10 ${(sum / n).toFixed(3)} (multi-hop ${cat(1)}, temporal ${cat(2)}, adversarial ${cat(5)})`,
  );
}
