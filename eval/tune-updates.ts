// Leave-one-conversation-out choice of the knowledge-update stage over LoCoMo and BEAM together:
// each of the 15 conversations (5 LoCoMo, 10 BEAM) is held out in turn, the configuration with
// the best score on the other 14 is picked (LoCoMo recall@10 + BEAM recall@10 + BEAM newer-first,
// each question-weighted over the training conversations), and its figures on the held-out
// conversation are kept. Prints each configuration's figures on all the data, the picks, and
// the held-out figures. `npx vite-node eval/tune-updates.ts [--locomo-cache DIR] [--beam-cache DIR]
// [--folds FILE] [--only locomo|beam|report]`: with --folds, the figures per conversation are kept in FILE
// and read back, so the two benchmarks may be measured in separate runs (--only).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { RetrievalOptions } from '../src/retrieval/retriever';
import { runBeam } from './beam-harness';
import { loadAll } from './data';
import { runLocomo } from './harness';
import { round } from './tally';

const argv = process.argv.slice(2);
const flag = (f: string): string | undefined => {
  const i = argv.indexOf(f);
  return i >= 0 ? argv[i + 1] : undefined;
};
const locomoCache = flag('--locomo-cache');
const beamCache = flag('--beam-cache');
const foldsFile = flag('--folds');
const only = flag('--only');
const measure = (b: string): boolean => only === undefined || only === b;

const GRID: [string, RetrievalOptions][] = [['off', { updates: false }]];
for (const ratio of [0.5, 0.7])
  for (const cover of [0.5, 0.8])
    GRID.push([`ratio ${ratio} cover ${cover}`, { updates: { ratio, cover } }]);

interface Fold {
  bench: 'locomo' | 'beam';
  id: string;
  /** Per configuration: recall@10 sum and questions; newer-first hits and questions. */
  by: Map<string, { r10: number; n: number; nf: number; nn: number }>;
}

const t0 = Date.now();
type Saved = {
  bench: Fold['bench'];
  id: string;
  by: [string, Fold['by'] extends Map<string, infer V> ? V : never][];
};
const saved: Saved[] =
  foldsFile && existsSync(foldsFile)
    ? (JSON.parse(readFileSync(foldsFile, 'utf8')) as Saved[])
    : [];
const folds: Fold[] = saved
  .filter((f) => !measure(f.bench))
  .map((f) => ({ ...f, by: new Map(f.by) }));
for (const conv of measure('locomo') ? loadAll('../shared/data/locomo') : []) {
  const r = await runLocomo(
    { conv: [conv.id], ks: [10], ...(locomoCache ? { cacheDir: locomoCache } : {}) },
    GRID,
  );
  folds.push({
    bench: 'locomo',
    id: conv.id,
    by: new Map(
      r.rows.map((row) => [
        row.name,
        { r10: row.overall['recall@10']! * r.questions, n: r.questions, nf: 0, nn: 0 },
      ]),
    ),
  });
}
const beam =
  only === 'locomo'
    ? undefined
    : await runBeam(
        { ks: [10], retrieval: GRID[0]![1], ...(beamCache ? { cacheDir: beamCache } : {}) },
        GRID.slice(1),
      );
for (const [ci, c] of beam?.perChat.entries() ?? []) {
  const by = new Map<string, { r10: number; n: number; nf: number; nn: number }>();
  for (const [name] of GRID) {
    const f = name === GRID[0]![0] ? beam! : beam!.configs[name]!;
    const pc = f.perChat[ci]!;
    by.set(name, {
      r10: pc.overall['recall@10']! * pc.questions,
      n: pc.questions,
      nf: pc.newerFirst.reduce((s, x) => s + x, 0),
      nn: pc.newerFirst.length,
    });
  }
  folds.push({ bench: 'beam', id: c.id, by });
}

if (foldsFile)
  writeFileSync(
    foldsFile,
    JSON.stringify(folds.map((f) => ({ bench: f.bench, id: f.id, by: [...f.by] }))),
  );
if (only === 'locomo' || only === 'beam') {
  console.log(`measured ${only}; total ${Math.round((Date.now() - t0) / 1000)} s`);
  process.exit(0);
}

/** Question-weighted figures of a configuration over some folds. */
function figures(fs: Fold[], name: string): { locomo: number; beam: number; newer: number } {
  const sum = (b: Fold['bench'], k: 'r10' | 'n' | 'nf' | 'nn') =>
    fs.filter((f) => f.bench === b).reduce((s, f) => s + f.by.get(name)![k], 0);
  return {
    locomo: sum('locomo', 'r10') / sum('locomo', 'n'),
    beam: sum('beam', 'r10') / sum('beam', 'n'),
    newer: sum('beam', 'nf') / Math.max(1, sum('beam', 'nn')),
  };
}
const score = (f: { locomo: number; beam: number; newer: number }) =>
  f.locomo + f.beam + (Number.isFinite(f.newer) ? f.newer : 0);

console.log('All data (recall@10 LoCoMo, BEAM; BEAM newer-first):');
for (const [name] of GRID) {
  const f = figures(folds, name);
  console.log(`  ${name}: ${round(f.locomo)} ${round(f.beam)} ${round(f.newer)}`);
}
// Held out: each fold scored with the configuration picked on the others.
const picked = new Map<string, Fold>();
const heldOut: Fold[] = [];
for (const f of folds) {
  const rest = folds.filter((g) => g !== f);
  const best = GRID.map(([n]) => n).reduce((a, b) =>
    score(figures(rest, b)) > score(figures(rest, a)) ? b : a,
  );
  console.log(`  held out ${f.bench} ${f.id}: picked ${best}`);
  const one: Fold = { ...f, by: new Map([['held', f.by.get(best)!]]) };
  heldOut.push(one);
  picked.set(`${f.bench} ${f.id}`, one);
}
const h = figures(heldOut, 'held');
const off = figures(folds, 'off');
console.log(
  `Held-out (leave-one-conversation-out): LoCoMo recall@10 ${round(h.locomo)} (off ${round(off.locomo)}), ` +
    `BEAM recall@10 ${round(h.beam)} (off ${round(off.beam)}), newer-first ${round(h.newer)} (off ${round(off.newer)})`,
);
console.log(`total ${Math.round((Date.now() - t0) / 1000)} s`);
