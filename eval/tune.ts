// Leave-one-conversation-out choice of retrieval configurations over LoCoMo and BEAM together:
// each of the conversations (LoCoMo's and BEAM's chats) is held out in turn, the configuration
// with the best score on the others is picked (LoCoMo recall@10 + BEAM recall@10 + BEAM
// newer-first, each question-weighted over the training conversations), and its figures on the
// held-out conversation are kept. Prints each configuration's figures on all the data, the
// picks, and the held-out figures (LoCoMo by category too).
//
// `npx vite-node eval/tune.ts -- [--grid stages|updates|feedback|FILE.json] [--hash] [--locomo-cache DIR]
//  [--beam-cache DIR] [--folds FILE] [--only locomo|beam|report] [--json] [--conv ID,…] [--chat N,…]`
// --grid: `stages` (default: the defaults, and each stage turned off or on alone), `updates`
// (the knowledge-update stage's settings), `feedback` (pseudo-relevance feedback, the fusion
// weight and the link stage's reach, around the defaults), or a JSON file of [name, RetrievalOptions] pairs (the
// first is the reference). --hash: BEAM with the hash embedder (no model; dense stage off in
// every configuration). --folds: the figures per conversation are kept in FILE and read back, so
// the two benchmarks may be measured in separate runs (--only) and reported together. --conv /
// --chat: only these LoCoMo conversations / BEAM chats (default: all; a quick run, e.g. a test).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { RetrievalOptions } from '../src/retrieval/retriever';
import { runBeam } from './beam-harness';
import { loadAll } from './data';
import { readFlags } from './args';
import { runLocomo } from './harness';
import { figures0, fmt, leaveOneOut, summary, type Figures, type Fold } from './leave-one-out';
import { exitOnError, UsageError } from './usage-error';

type Grid = [string, RetrievalOptions][];

/** The defaults, then each stage alone turned off (or, for stages off by default, on). */
const STAGES: Grid = [
  ['defaults', {}],
  ['- dense', { dense: false }],
  ['- episode', { episode: false }],
  ['- broad queries', { episode: { broadTerms: 0 } }],
  ['- context', { context: false }],
  ['- time', { time: false }],
  ['- links', { links: false }],
  ['- rerank', { rerank: false }],
  ['- speaker boosts', { lexical: { speaker: 0, speakerLate: 0 } }],
  ['- updates', { updates: false }],
  ['- questions', { questions: false }],
  ['- standing', { standing: false }],
  ['+ entities', { entities: {} }],
];

/** The knowledge-update stage: the defaults, off, and its pool and two thresholds around them. */
const UPDATES: Grid = [
  ['defaults', {}],
  ['- updates', { updates: false }],
];
for (const pool of [10, 20]) UPDATES.push([`updates pool ${pool}`, { updates: { pool } }]);
UPDATES.push(['updates ratio 0.5', { updates: { ratio: 0.5 } }]);
UPDATES.push(['updates cover 0.5', { updates: { cover: 0.5 } }]);

/**
 * Ideas for multi-hop and BEAM recall around the defaults: lexical pseudo-relevance feedback
 * (RM3-like expansion terms from the best hits, a second BM25 pass), the dense fusion weight,
 * and the link stage (a second pass from the first hits' rare terms) with more weight or seeds.
 */
const FEEDBACK: Grid = [
  ['defaults', {}],
  ['prf 10 w0.3', { lexical: { feedbackTerms: 10, feedbackWeight: 0.3 } }],
  ['prf 20 w0.2', { lexical: { feedbackTerms: 20, feedbackWeight: 0.2 } }],
  ['prf 10 w0.5 d3', { lexical: { feedbackTerms: 10, feedbackWeight: 0.5, feedbackDocs: 3 } }],
  ['prf 5 w0.3 d10', { lexical: { feedbackTerms: 5, feedbackWeight: 0.3, feedbackDocs: 10 } }],
  ['dense 0.85', { dense: { weight: 0.85 } }],
  ['links w0.1', { links: { weight: 0.1 } }],
  ['links seeds 20', { links: { seeds: 20 } }],
  ['links w0.1 seeds 20', { links: { weight: 0.1, seeds: 20 } }],
];

function parse(argv: string[]) {
  const a = {
    grid: 'stages',
    hash: false,
    json: false,
    locomoCache: undefined as string | undefined,
    beamCache: undefined as string | undefined,
    folds: undefined as string | undefined,
    only: undefined as 'locomo' | 'beam' | 'report' | undefined,
    conv: [] as string[],
    chat: [] as string[],
  };
  readFlags(argv, (f, next) => {
    if (f === '--grid') a.grid = next();
    else if (f === '--hash') a.hash = true;
    else if (f === '--json') a.json = true;
    else if (f === '--locomo-cache') a.locomoCache = next();
    else if (f === '--beam-cache') a.beamCache = next();
    else if (f === '--folds') a.folds = next();
    else if (f === '--conv') a.conv.push(...next().split(','));
    else if (f === '--chat') a.chat.push(...next().split(','));
    else if (f === '--only') {
      const v = next();
      if (v !== 'locomo' && v !== 'beam' && v !== 'report')
        throw new UsageError(`--only takes locomo, beam or report, not '${v}'`);
      a.only = v;
    } else return f === '--';
    return true;
  });
  return a;
}

function loadGrid(name: string): Grid {
  if (name === 'stages') return STAGES;
  if (name === 'updates') return UPDATES;
  if (name === 'feedback') return FEEDBACK;
  if (!existsSync(name))
    throw new UsageError(`--grid takes stages, updates, feedback or a JSON file`);
  return JSON.parse(readFileSync(name, 'utf8')) as Grid;
}

async function measureLocomo(
  grid: Grid,
  cacheDir: string | undefined,
  only: string[],
): Promise<Fold[]> {
  const folds: Fold[] = [];
  for (const conv of loadAll('../shared/data/locomo')) {
    if (only.length && !only.includes(conv.id)) continue;
    const r = await runLocomo(
      { conv: [conv.id], ks: [10], ...(cacheDir ? { cacheDir } : {}) },
      grid,
    );
    const count = (cat: string) => conv.questions.filter((q) => String(q.category) === cat).length;
    const by: Record<string, Figures> = {};
    for (const row of r.rows) {
      const cats: Record<string, [number, number]> = {};
      for (const [cat, m] of Object.entries(row.byCategory))
        cats[cat] = [m['recall@10']! * count(cat), count(cat)];
      by[row.name] = {
        ...figures0(),
        r10: row.overall['recall@10']! * r.questions,
        n: r.questions,
        cats,
      };
    }
    folds.push({ bench: 'locomo', id: conv.id, by });
  }
  if (only.length && folds.length === 0)
    throw new UsageError(`no LoCoMo conversation ${only.join(', ')}`);
  return folds;
}

async function measureBeam(
  grid: Grid,
  hash: boolean,
  cacheDir: string | undefined,
  chat: string[],
): Promise<Fold[]> {
  // With the hash embedder the dense stage only adds noise: off in every configuration.
  const g: Grid = hash ? grid.map(([n, o]) => [n, { ...o, dense: false }]) : grid;
  const beam = await runBeam(
    {
      ks: [10],
      chat,
      retrieval: g[0]![1],
      ...(hash ? { embedder: 'hash' as const } : {}),
      ...(cacheDir ? { cacheDir } : {}),
    },
    g.slice(1),
  );
  return beam.perChat.map((c, ci) => ({
    bench: 'beam' as const,
    id: c.id,
    by: Object.fromEntries(
      g.map(([name], gi) => {
        const pc = (gi === 0 ? beam : beam.configs[name]!).perChat[ci]!;
        const f: Figures = {
          ...figures0(),
          r10: pc.overall['recall@10']! * pc.questions,
          n: pc.questions,
          nf: pc.newerFirst.reduce((s, x) => s + x, 0),
          nn: pc.newerFirst.length,
        };
        return [name, f];
      }),
    ),
  }));
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const grid = loadGrid(a.grid);
  const measure = (b: Fold['bench']): boolean => a.only === undefined || a.only === b;
  const t0 = Date.now();
  const saved: Fold[] =
    a.folds && existsSync(a.folds) ? (JSON.parse(readFileSync(a.folds, 'utf8')) as Fold[]) : [];
  const folds = saved.filter((f) => !measure(f.bench));
  if (measure('locomo')) folds.push(...(await measureLocomo(grid, a.locomoCache, a.conv)));
  if (measure('beam')) folds.push(...(await measureBeam(grid, a.hash, a.beamCache, a.chat)));
  if (a.folds) writeFileSync(a.folds, JSON.stringify(folds));
  if (a.only === 'locomo' || a.only === 'beam') {
    console.log(`measured ${a.only}; total ${Math.round((Date.now() - t0) / 1000)} s`);
    return;
  }
  const names = grid.map(([n]) => n).filter((n) => folds.every((f) => f.by[n]));
  console.log(`All data (${folds.length} conversations), recall@10:`);
  for (const n of names) console.log(`  ${n}: ${fmt(summary(folds, n))}`);
  const { picks, held } = leaveOneOut(folds, names);
  console.log(
    `Picks: ${Object.entries(picks)
      .map(([k, v]) => `${k} → ${v}`)
      .join('; ')}`,
  );
  const ref = summary(folds, names[0]!);
  console.log(`Held-out (leave-one-conversation-out): ${fmt(held)}`);
  console.log(`${names[0]} on all data:             ${fmt(ref)}`);
  console.log(`total ${Math.round((Date.now() - t0) / 1000)} s`);
  if (a.json) console.log(JSON.stringify({ grid: names, heldOut: held, reference: ref, picks }));
}

main().catch(exitOnError);
