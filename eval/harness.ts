// LoCoMo retrieval eval, the harness (the CLI is eval/locomo.ts).
// Runs the real Engine under Node (fake-indexeddb, CPU path, USE-lite through an embedding cache):
// every turn one memory (no consolidation; `--via add`: each turn an add() call), every question
// searched "now" (after the last session).
import 'fake-indexeddb/auto';
import { performance } from 'node:perf_hooks';
import { Engine } from '../src/engine/engine';
import type { RetrievalOptions } from '../src/retrieval/retriever';
import { parseCommonArgs, type CommonArgs } from './args';
import { loadAll, type Conversation } from './data';
import { cachedUseLite, type CachedEmbedder } from './embed-cache';
import { percentiles, RecallTally } from './tally';
import { ingestViaAdd, rankedMessages, type Via } from './via-add';

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

export interface Args extends CommonArgs {
  conv: string[];
  ablation: boolean;
}

/** Parses the LoCoMo eval's flags (the common ones, --conv ID,…, --no-ablation). */
export function parseArgs(argv: string[]): Args {
  const own = { conv: [] as string[], ablation: true };
  const common = parseCommonArgs(argv, '../shared/data/locomo', (f, next) => {
    if (f === '--conv') own.conv.push(...next().split(','));
    else if (f === '--no-ablation') own.ablation = false;
    else return false;
    return true;
  });
  return { ...common, ...own };
}

/** Result of {@link runLocomo}. */
export interface LocomoResult {
  data: string;
  /** How the turns were stored (`--via`). */
  via: Via;
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

/** Stores the turns of `conv`; returns memory id → the dialogue ids it holds. */
async function store(
  conv: Conversation,
  engine: Engine,
  embedder: CachedEmbedder,
  via: Via,
): Promise<Map<string, string[]>> {
  if (via === 'add') {
    // Each turn a chat message of its speaker (the stored text without the "Speaker: " prefix).
    const messages = conv.turns.map((t) => ({
      id: t.diaId,
      role: 'user',
      name: t.speaker,
      content: t.text.slice(t.speaker.length + 2),
      runId: `${conv.id}/S${t.session}`,
      time: t.time,
    }));
    return (await ingestViaAdd(engine, messages, ['user'])).sources;
  }
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
  return new Map(added.results.map((r, i) => [r.id, [conv.turns[i]!.diaId]]));
}

async function evalConversation(
  conv: Conversation,
  embedder: CachedEmbedder,
  configs: [string, RetrievalOptions | false][],
  ks: number[],
  via: Via,
  tallies: Map<string, RecallTally>,
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
    const sources = await store(conv, engine, embedder, via);
    // The engine embeds each query itself (through the cached embedder): the dense stage
    // embeds it without the speakers it names (`dense.stripSpeakers`).
    const maxK = Math.max(...ks);
    for (const [name, retrieval] of configs) {
      const tally = tallies.get(name)!;
      const isDefault = name === DEFAULT_ROW;
      for (const q of conv.questions) {
        const t0 = performance.now();
        const { results } = await engine.search(q.question, {
          limit: maxK,
          retrieval,
          reinforce: false,
        });
        if (isDefault) latencies.push(performance.now() - t0);
        const ranked = rankedMessages(
          results.map((r) => r.id),
          sources,
        );
        tally.add(String(q.category), ranked, q.evidence);
      }
    }
  } finally {
    await engine.close();
  }
}

/**
 * Runs the eval over the conversations of a folder.
 * @param args - data folder, ks, conversations, ablation on/off, cache folder
 * @param own - configurations to measure instead of the ablation, by name
 */
export async function runLocomo(
  args: Partial<Args> = {},
  own?: [string, RetrievalOptions | false][],
): Promise<LocomoResult> {
  const a = { ...parseArgs([]), ...args };
  const convs = loadAll(a.data).filter((c) => a.conv.length === 0 || a.conv.includes(c.id));
  if (convs.length === 0) throw new Error(`no conv-*.json in ${a.data}`);
  const embedder = cachedUseLite(a.cacheDir);
  const configs = own ?? (a.ablation ? ABLATION : ABLATION.filter(([n]) => n === DEFAULT_ROW));
  const tallies = new Map(configs.map(([name]) => [name, new RecallTally(a.ks)]));
  const latencies: number[] = [];
  try {
    for (const c of convs)
      await evalConversation(c, embedder, configs, a.ks, a.via, tallies, latencies);
  } finally {
    embedder.save();
  }
  const rows = configs.map(([name]) => ({ name, ...tallies.get(name)!.row() }));
  return {
    data: a.data,
    via: a.via,
    questions: convs.reduce((n, c) => n + c.questions.length, 0),
    k: a.ks,
    rows,
    latency: percentiles(latencies),
    embedded: embedder.misses,
  };
}
