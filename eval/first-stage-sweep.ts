// First-stage ideas on LoCoMo over the pure pipeline (`Retriever`, default stages, cached USE-lite
// vectors: run `npm run eval:locomo` once first), each against the defaults: BM25 k1 × b, and
// dense pseudo-relevance feedback (Rocchio: the query vector plus β times the mean vector of the
// first pass's best m results, normalised, then a second pass with its cosines). Prints recall@10
// overall and multi-hop, per conversation, and the held-out (leave-one-conversation-out) recall@10
// of each family. `npx vite-node eval/first-stage-sweep.ts`
import { loadAll, recallAt, turnDoc, type Conversation } from './data';
import { CachedEmbedder } from './embed-cache';
import { Retriever } from '../src/retrieval/retriever';
import { dot } from '../src/retrieval/rerank';

const convs = loadAll('../shared/data/locomo');
const cache = new CachedEmbedder(
  () => Promise.reject(new Error('vectors missing from the cache: run npm run eval:locomo first')),
  { id: 'use-lite-512', dim: 512 },
);

interface Setting {
  name: string;
  k1: number;
  b: number;
  /** Rocchio: results averaged (0: no second pass) and their weight. */
  m: number;
  beta: number;
}

const BM25: Setting[] = [];
for (const k1 of [0.9, 1.2, 1.6, 2.0])
  for (const b of [0.25, 0.4, 0.6, 0.75])
    BM25.push({ name: `k1 ${k1} b ${b}`, k1, b, m: 0, beta: 0 });
const ROCCHIO: Setting[] = [
  [0, 0],
  [3, 0.5],
  [5, 0.5],
  [5, 1],
  [10, 0.5],
].map(([m, beta]) => ({
  name: m ? `rocchio m ${m} β ${beta}` : 'defaults',
  k1: 1.2,
  b: 0.4,
  m: m!,
  beta: beta!,
}));

/** Per setting, per conversation: [recall@10 sum, questions, multi-hop sum, multi-hop questions]. */
type Sums = [number, number, number, number][][];

async function measure(settings: Setting[]): Promise<Sums> {
  const sums: Sums = settings.map(() => []);
  for (const c of convs) {
    const tv = await cache.embed(c.turns.map((t) => t.text));
    const qv = await cache.embed(c.questions.map((q) => q.question));
    const vec = new Map(c.turns.map((t, i) => [t.diaId, tv[i]!]));
    const now = Math.max(...c.turns.map((t) => t.time)) + 86_400_000;
    const denseOf = (q: Float32Array) =>
      new Map(
        c.turns
          .map((t, i) => [t.diaId, dot(q, tv[i]!)] as [string, number])
          .sort((a, b) => b[1] - a[1])
          .slice(0, 100),
      );
    const retrievers = new Map<string, Retriever>();
    settings.forEach((s, si) => {
      const key = `${s.k1}/${s.b}`;
      let r = retrievers.get(key);
      if (!r) retrievers.set(key, (r = build(c, s.k1, s.b)));
      const acc: [number, number, number, number] = [0, 0, 0, 0];
      c.questions.forEach((q, qi) => {
        let hits = r.search(q.question, 10, { dense: denseOf(qv[qi]!), now });
        if (s.m > 0) {
          const v = Float32Array.from(qv[qi]!);
          for (const h of hits.slice(0, s.m)) {
            const w = vec.get(h.id)!;
            for (let i = 0; i < v.length; i++) v[i] = v[i]! + (s.beta / s.m) * w[i]!;
          }
          const n = Math.hypot(...v) || 1;
          hits = r.search(q.question, 10, { dense: denseOf(v.map((x) => x / n)), now });
        }
        const x = recallAt(
          hits.map((h) => h.id),
          q.evidence,
          10,
        );
        acc[0] += x;
        acc[1]++;
        if (q.category === 1) ((acc[2] += x), acc[3]++);
      });
      sums[si]!.push(acc);
    });
  }
  return sums;
}

function build(c: Conversation, k1: number, b: number): Retriever {
  const r = new Retriever({}, { k1, b });
  for (const t of c.turns) r.upsert(turnDoc(t));
  return r;
}

function report(family: string, settings: Setting[], sums: Sums): void {
  const total = (si: number, skip = -1) => {
    let s = 0;
    let n = 0;
    sums[si]!.forEach((a, ci) => ci !== skip && ((s += a[0]), (n += a[1])));
    return s / n;
  };
  settings.forEach((st, si) => {
    const mh = sums[si]!.reduce((s, a) => s + a[2], 0) / sums[si]!.reduce((s, a) => s + a[3], 0);
    const per = sums[si]!.map((a) => (a[0] / a[1]).toFixed(3)).join(' ');
    console.log(
      `${st.name.padEnd(22)} ${total(si).toFixed(3)} multi-hop ${mh.toFixed(3)} | ${per}`,
    );
  });
  let s = 0;
  let n = 0;
  const picks = convs.map((c, ci) => {
    let best = 0;
    settings.forEach((_, si) => total(si, ci) > total(best, ci) && (best = si));
    s += sums[best]![ci]![0];
    n += sums[best]![ci]![1];
    return `${c.id} → ${settings[best]!.name}`;
  });
  console.log(`${family} held out: ${(s / n).toFixed(3)} (${picks.join('; ')})\n`);
}

for (const [family, settings] of [
  ['BM25', BM25],
  ['Rocchio', ROCCHIO],
] as const)
  report(family, settings, await measure(settings));
