// BEAM retrieval eval, the harness (the CLI is eval/beam.ts). Runs the real Engine under Node
// (fake-indexeddb, CPU path, USE-lite through the embedding cache): every message, the user's
// and the assistant's, one memory (`addMany`, no consolidation) with its batch as `runId` and
// the batch's time anchor as event time (`--via add`: each message an add() call); every question
// searched "now" (a day after the last batch).
import 'fake-indexeddb/auto';
import { performance } from 'node:perf_hooks';
import { Engine } from '../src/engine/engine';
import type { RetrievalOptions } from '../src/retrieval/retriever';
import { parseBeamArgs, type BeamArgs } from './beam-args';
import { loadBeam, newerFirst, type BeamChat } from './beam-data';
import { CachedEmbedder, cachedUseLite } from './embed-cache';
import { HashEmbedder } from '../src/embed/hash-embedder';
import { percentiles, RecallTally, round, type RecallRow } from './tally';
import { ingestViaAdd, rankedMessages, type Via } from './via-add';

/** Characters of a message the embedder is given. */
export const EMBED_CHARS = 4000;

/** Figures of one retrieval configuration (see {@link runBeam}). */
export interface BeamFigures extends RecallRow {
  /** knowledge_update: share of questions whose best updated statement ranks above every original one. */
  knowledgeUpdate: { newerFirst: number; questions: number };
  /** Per chat: recall@k overall, questions, and newer-first hits (for leave-one-out). */
  perChat: {
    id: string;
    overall: Record<string, number>;
    questions: number;
    newerFirst: number[];
  }[];
}

/** Result of {@link runBeam}: the figures of `args.retrieval`, and of each extra configuration. */
export interface BeamResult extends BeamFigures {
  data: string;
  /** How the messages were stored (`--via`). */
  via: Via;
  questions: number;
  k: number[];
  /** Messages per chat. */
  messages: Record<string, number>;
  /** Extra configurations, by name. */
  configs: Record<string, BeamFigures>;
  /** Search latency of `args.retrieval`, ms. */
  latency: { median: number; p95: number };
  /** Seconds spent storing the messages (addMany, vectors given, linked). */
  ingestSeconds: number;
  /** Texts the model had to embed (cache misses). */
  embedded: number;
}

interface Tallies {
  all: RecallTally;
  perChat: BeamFigures['perChat'];
}

/** Stores the messages of `chat`; returns memory id → the message ids it holds. */
async function store(
  chat: BeamChat,
  engine: Engine,
  embedder: CachedEmbedder,
  via: Via,
): Promise<{ sources: Map<string, string[]>; ingestMs: number }> {
  if (via === 'add') {
    const messages = chat.messages.map((m) => ({
      id: m.id,
      role: m.role,
      content: m.text,
      runId: `beam-${chat.id}/B${m.batch}`,
      time: m.time,
    }));
    // The assistant's messages hold evidence too: both roles are kept.
    const { sources, ms } = await ingestViaAdd(engine, messages, ['user', 'assistant']);
    return { sources, ingestMs: ms };
  }
  // Each vector is of the message's first EMBED_CHARS characters (long texts cost the
  // embedder minutes and it sees little of them anyway); the whole text is indexed lexically.
  const vectors = await embedder.embed(chat.messages.map((m) => m.text.slice(0, EMBED_CHARS)));
  const t0 = performance.now();
  const added = await engine.addMany(
    chat.messages.map((m, i) => ({
      text: m.text,
      vector: vectors[i]!,
      runId: `beam-${chat.id}/B${m.batch}`,
      eventTime: m.time,
      link: true,
      role: m.role,
      metadata: { messageId: m.id },
    })),
  );
  const sources = new Map(added.results.map((r, i) => [r.id, [chat.messages[i]!.id]]));
  return { sources, ingestMs: performance.now() - t0 };
}

async function evalChat(
  chat: BeamChat,
  embedder: CachedEmbedder,
  a: BeamArgs,
  configs: [string, RetrievalOptions][],
  tallies: Map<string, Tallies>,
  latencies: number[],
): Promise<number> {
  const now = Math.max(...chat.messages.map((m) => m.time)) + 86_400_000;
  const engine = await Engine.open({
    name: `beam-${chat.id}-${Date.now()}`,
    embedder,
    backend: 'cpu',
    clock: () => now,
    // A few assistant messages run long (chat 4 has one of 348,853 characters): stored whole.
    maxTextLength: Math.max(20_000, ...chat.messages.map((m) => m.text.length)),
  });
  try {
    const { sources, ingestMs } = await store(chat, engine, embedder, a.via);
    // The engine embeds each query itself (through the cached embedder): the dense stage
    // embeds it without the speakers it names (`dense.stripSpeakers`).
    const maxK = Math.max(...a.ks);
    for (const [ci, [name, retrieval]] of configs.entries()) {
      const t = tallies.get(name)!;
      const own = new RecallTally(a.ks);
      const newer: number[] = [];
      for (const q of chat.questions) {
        const t1 = performance.now();
        const { results } = await engine.search(q.question, {
          limit: maxK,
          retrieval,
          reinforce: false,
        });
        if (ci === 0) latencies.push(performance.now() - t1);
        const ranked = rankedMessages(
          results.map((r) => r.id),
          sources,
        );
        t.all.add(q.ability, ranked, q.evidence);
        own.add(q.ability, ranked, q.evidence);
        if (q.update) newer.push(newerFirst(ranked, q.update));
      }
      t.perChat.push({
        id: chat.id,
        overall: own.mean('all'),
        questions: chat.questions.length,
        newerFirst: newer,
      });
    }
    return ingestMs;
  } finally {
    await engine.close();
  }
}

function figures(t: Tallies): BeamFigures {
  const hits = t.perChat.flatMap((c) => c.newerFirst);
  return {
    ...t.all.row(),
    knowledgeUpdate: {
      newerFirst: round(hits.reduce((s, x) => s + x, 0) / hits.length),
      questions: hits.length,
    },
    perChat: t.perChat,
  };
}

/**
 * Runs the eval over the chats of a folder: `args.retrieval`, and each of `extra` on the
 * same stored chats.
 * @param args - data folder, ks, chats, retrieval options, cache folder
 * @param extra - more configurations to measure, by name
 */
export async function runBeam(
  args: Partial<BeamArgs> = {},
  extra: [string, RetrievalOptions][] = [],
): Promise<BeamResult> {
  const a = { ...parseBeamArgs([]), ...args };
  const chats = loadBeam(a.data).filter((c) => a.chat.length === 0 || a.chat.includes(c.id));
  if (chats.length === 0) throw new Error(`no BEAM chats (<n>/chat.json) in ${a.data}`);
  const embedder =
    a.embedder === 'hash'
      ? new CachedEmbedder(
          async () => new HashEmbedder({ dim: 64 }),
          { id: 'hash-64', dim: 64 },
          a.cacheDir,
        )
      : cachedUseLite(a.cacheDir);
  const configs: [string, RetrievalOptions][] = [['', a.retrieval], ...extra];
  const tallies = new Map(
    configs.map(([name]) => [name, { all: new RecallTally(a.ks), perChat: [] } as Tallies]),
  );
  const latencies: number[] = [];
  let ingestMs = 0;
  try {
    for (const c of chats) ingestMs += await evalChat(c, embedder, a, configs, tallies, latencies);
  } finally {
    embedder.save();
  }
  return {
    data: a.data,
    via: a.via,
    questions: chats.reduce((n, c) => n + c.questions.length, 0),
    k: a.ks,
    messages: Object.fromEntries(chats.map((c) => [c.id, c.messages.length])),
    ...figures(tallies.get('')!),
    configs: Object.fromEntries(extra.map(([name]) => [name, figures(tallies.get(name)!)])),
    latency: percentiles(latencies),
    ingestSeconds: round(ingestMs / 1000, 1),
    embedded: embedder.misses,
  };
}
