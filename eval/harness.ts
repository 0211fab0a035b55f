// LoCoMo retrieval eval, the harness (the CLI is eval/locomo.ts).
// Runs the real Engine under Node (fake-indexeddb, CPU path, USE-lite through an embedding cache):
// every turn one memory (no consolidation), every question searched "now" (after the last session).
import 'fake-indexeddb/auto';
import { performance } from 'node:perf_hooks';
import { Engine } from '../src/engine/engine';
import { UseLiteEmbedder } from '../src/embed/use-lite-embedder';
import type { RetrievalOptions } from '../src/retrieval/retriever';
import { loadAll, recallAt, type Conversation } from './data';
import { CachedEmbedder, DEFAULT_CACHE_DIR } from './embed-cache';

/** The ablation: each row adds one stage to the one before; `DEFAULT_ROW` is the default. */
export const ABLATION: [string, RetrievalOptions | false][] = [
  [
    'BM25 only',
    {
      dense: false,
      episode: false,
      time: false,
      context: false,
      links: false,
      rerank: false,
      lexical: { speaker: 0, speakerLate: 0 },
    },
  ],
  ['dense only', false],
  [
    '+ fusion',
    {
      episode: false,
      time: false,
      context: false,
      links: false,
      rerank: false,
      lexical: { speaker: 0, speakerLate: 0 },
    },
  ],
  ['+ names', { episode: false, time: false, context: false, links: false, rerank: false }],
  ['+ time', { episode: false, context: false, links: false, rerank: false }],
  ['+ context (episode, neighbours)', { links: false, rerank: false }],
  ['+ rerank', { links: false }],
  ['+ entity links (default)', {}],
  ['+ stored links (off by default)', { links: { stored: true } }],
];

/** Name of the ablation row with the default stages. */
export const DEFAULT_ROW = '+ entity links (default)';

export const CATEGORIES: Record<string, string> = {
  '1': 'multi-hop',
  '2': 'temporal',
  '3': 'open-domain',
  '4': 'single-hop',
  '5': 'adversarial',
};

export interface Args {
  data: string;
  ks: number[];
  json: boolean;
  conv: string[];
  ablation: boolean;
  cacheDir: string;
}

export function parseArgs(argv: string[]): Args {
  const a: Args = {
    data: '../shared/data/locomo',
    ks: [5, 10, 25],
    json: false,
    conv: [],
    ablation: true,
    cacheDir: DEFAULT_CACHE_DIR,
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${f} needs a value`);
      return v;
    };
    if (f === '--data') a.data = next();
    else if (f === '--k') a.ks = next().split(',').map(Number);
    else if (f === '--json') a.json = true;
    else if (f === '--conv') a.conv.push(...next().split(','));
    else if (f === '--no-ablation') a.ablation = false;
    else if (f === '--cache') a.cacheDir = next();
    else throw new Error(`unknown flag ${f}`);
  }
  if (a.ks.some((k) => !Number.isInteger(k) || k < 1))
    throw new Error('--k takes positive integers');
  return a;
}

/** Recall sums: config → category ('all' too) → k → {sum, n}. */
type Sums = Map<string, Map<string, Map<number, { sum: number; n: number }>>>;

/** Result of {@link runLocomo}. */
export interface LocomoResult {
  data: string;
  questions: number;
  k: number[];
  /** recall@k per ablation row, overall and by category. */
  rows: {
    name: string;
    overall: Record<string, number>;
    byCategory: Record<string, Record<string, number>>;
  }[];
  /** Search latency of the default configuration, ms. */
  latency: { median: number; p95: number };
  /** Texts the model had to embed (cache misses). */
  embedded: number;
}

async function evalConversation(
  conv: Conversation,
  embedder: CachedEmbedder,
  configs: [string, RetrievalOptions | false][],
  ks: number[],
  sums: Sums,
  latencies: number[],
): Promise<void> {
  const now = Math.max(...conv.turns.map((t) => t.time)) + 86_400_000;
  const engine = await Engine.open({
    name: `locomo-${conv.id}-${Date.now()}`,
    embedder,
    backend: 'cpu',
    clock: () => now,
  });
  try {
    const vectors = await embedder.embed(conv.turns.map((t) => t.text));
    const added = await engine.addMany(
      conv.turns.map((t, i) => ({
        text: t.text,
        vector: vectors[i]!,
        runId: `${conv.id}/S${t.session}`,
        eventTime: t.time,
        link: true,
        metadata: { speaker: t.speaker, diaId: t.diaId, session: t.session, date: t.dateText },
      })),
    );
    const diaOf = new Map(added.results.map((r, i) => [r.id, conv.turns[i]!.diaId]));
    const qvecs = await embedder.embed(conv.questions.map((q) => q.question));
    const maxK = Math.max(...ks);
    for (const [name, retrieval] of configs) {
      const byCat = sums.get(name) ?? new Map();
      sums.set(name, byCat);
      const isDefault = name === DEFAULT_ROW;
      for (const [qi, q] of conv.questions.entries()) {
        const t0 = performance.now();
        const { results } = await engine.search(q.question, {
          limit: maxK,
          vector: qvecs[qi]!,
          retrieval,
          reinforce: false,
        });
        if (isDefault) latencies.push(performance.now() - t0);
        const ranked = results.map((r) => diaOf.get(r.id) ?? '');
        for (const cat of [String(q.category), 'all']) {
          const byK = byCat.get(cat) ?? new Map();
          byCat.set(cat, byK);
          for (const k of ks) {
            const s = byK.get(k) ?? { sum: 0, n: 0 };
            s.sum += recallAt(ranked, q.evidence, k);
            s.n++;
            byK.set(k, s);
          }
        }
      }
    }
  } finally {
    await engine.close();
  }
}

/**
 * Runs the eval over the conversations of a folder.
 * @param args - data folder, ks, conversations, ablation on/off, cache folder
 */
export async function runLocomo(args: Partial<Args> = {}): Promise<LocomoResult> {
  const a = { ...parseArgs([]), ...args };
  const convs = loadAll(a.data).filter((c) => a.conv.length === 0 || a.conv.includes(c.id));
  if (convs.length === 0) throw new Error(`no conv-*.json in ${a.data}`);
  const embedder = new CachedEmbedder(
    () => UseLiteEmbedder.create(),
    { id: 'use-lite-512', dim: 512 },
    a.cacheDir,
  );
  const configs = a.ablation ? ABLATION : ABLATION.filter(([n]) => n === DEFAULT_ROW);
  const sums: Sums = new Map();
  const latencies: number[] = [];
  try {
    for (const c of convs) await evalConversation(c, embedder, configs, a.ks, sums, latencies);
  } finally {
    embedder.save();
  }
  const rows = configs.map(([name]) => {
    const byCat = sums.get(name)!;
    const rec = (cat: string): Record<string, number> =>
      Object.fromEntries(
        a.ks.map((k) => {
          const s = byCat.get(cat)?.get(k);
          return [`recall@${k}`, s ? round(s.sum / s.n) : NaN];
        }),
      );
    const cats = [...byCat.keys()].filter((c) => c !== 'all').sort();
    return {
      name,
      overall: rec('all'),
      byCategory: Object.fromEntries(cats.map((c) => [c, rec(c)])),
    };
  });
  latencies.sort((x, y) => x - y);
  const pick = (p: number): number =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN, 2);
  return {
    data: a.data,
    questions: convs.reduce((n, c) => n + c.questions.length, 0),
    k: a.ks,
    rows,
    latency: { median: pick(0.5), p95: pick(0.95) },
    embedded: embedder.misses,
  };
}

export const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
