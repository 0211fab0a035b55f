// `tsx bench/ivf-hash.ts [N] [--data=DIR]`: the IVF index (mode 'auto' past 20k) on hash-embedder
// vectors of BEAM paragraphs, replicated as bench/scale.mjs does: training time, query time and
// recall@10 against the exact scan, per nprobe. Node, WASM SIMD kernel, one thread.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HashEmbedder } from '../src/embed/hash-embedder';
import { AUTO_IVF_FROM } from '../src/search/index-mode';
import { IvfIndex } from '../src/search/ivf-index';
import { WasmFlatIndex } from '../src/search/wasm/wasm-index';

const n = Number(process.argv[2] ?? 100_000);
const dir = resolve(
  process.argv.find((a) => a.startsWith('--data='))?.slice(7) ?? '../shared/data/beam/100K',
);
const texts: string[] = [];
const queries: string[] = [];
for (const chat of readdirSync(dir).sort((a, b) => Number(a) - Number(b))) {
  for (const batch of JSON.parse(readFileSync(join(dir, chat, 'chat.json'), 'utf8')))
    for (const turn of batch.turns)
      for (const m of turn) {
        const content = m.content.replace(/\s*->->\s*[\d,\s]+$/, '').trim();
        for (const p of content.split(/\n\s*\n/))
          if (p.trim().length >= 20) texts.push(p.trim().slice(0, 1000));
      }
  const probing = JSON.parse(readFileSync(join(dir, chat, 'probing_questions.json'), 'utf8'));
  for (const list of Object.values(probing) as { question: string }[][])
    for (const q of list) queries.push(q.question);
}
const SWAPS: [RegExp, string][] = [
  [/\bthe\b/, 'this'],
  [/\bI\b/, 'we'],
  [/\ba\b/, 'one'],
  [/\band\b/, 'plus'],
];
const textAt = (i: number) => {
  const t = texts[i % texts.length]!;
  const round = Math.floor(i / texts.length);
  if (round === 0) return t;
  const [re, to] = SWAPS[round % SWAPS.length]!;
  return `${t.replace(re, to)} (${round})`;
};
const dim = 256;
const emb = new HashEmbedder({ dim });
const rows = new Float32Array(n * dim);
for (let at = 0; at < n; at += 1000) {
  const vs = await emb.embed(
    Array.from({ length: Math.min(1000, n - at) }, (_, j) => textAt(at + j)),
  );
  vs.forEach((v, j) => rows.set(v, (at + j) * dim));
}
const qv = new Float32Array(queries.length * dim);
(await emb.embed(queries)).forEach((v, i) => qv.set(v, i * dim));
const flat = new WasmFlatIndex({ dim });
await flat.write(0, rows);
let t0 = performance.now();
const exact = [];
for (let q = 0; q < queries.length; q++)
  exact.push((await flat.search(qv.subarray(q * dim, (q + 1) * dim), 10))[0]!);
const flatMs = (performance.now() - t0) / queries.length;
const ivf = new IvfIndex({ dim, flatBelow: AUTO_IVF_FROM });
await ivf.write(0, rows);
t0 = performance.now();
await ivf.build();
const buildMs = performance.now() - t0;
console.log(
  `N ${n}, ${queries.length} queries, dim ${dim}: exact ${flatMs.toFixed(2)} ms/query; IVF build ${buildMs.toFixed(0)} ms, ${ivf.listCount} lists`,
);
for (const probes of [8, 16, 24, 48, 96]) {
  ivf.probes = probes;
  let hit = 0;
  t0 = performance.now();
  for (let q = 0; q < queries.length; q++) {
    const [h] = await ivf.search(qv.subarray(q * dim, (q + 1) * dim), 10);
    const want = new Set(exact[q]!.slots);
    for (const s of h!.slots) if (want.has(s)) hit++;
  }
  const ms = (performance.now() - t0) / queries.length;
  console.log(
    `nprobe ${probes}: recall@10 vs exact ${(hit / (queries.length * 10)).toFixed(4)}, ${ms.toFixed(2)} ms/query`,
  );
}
