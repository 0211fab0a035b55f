// The labelled consolidation corpus, end to end: for each pair a fresh user,
// add(existing), add(input), through the engine with the offline default
// embedder (USE-lite, as Engram.open uses), under Node with fake-indexeddb.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { UseLiteEmbedder } from '../../src/embed/use-lite-embedder';
import { Engine } from '../../src/engine/engine';
import {
  CORPUS,
  EXPECTED,
  HELD_OUT,
  type ConsolidationPair,
  type PairClass,
} from './consolidation-corpus';

let engine: Engine;
let embedder: UseLiteEmbedder;

beforeAll(async () => {
  embedder = await UseLiteEmbedder.create();
  engine = await Engine.open({ name: 'consolidation-corpus', embedder, backend: 'cpu' });
}, 120_000);

afterAll(async () => {
  await engine?.close();
  await embedder?.dispose();
});

/** Raw lower-case words, independent of the code under test. */
const rawWords = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

test('the corpus is well formed: ≥ 150 pairs, every class ≥ 25, new inputs differ in words', () => {
  expect(CORPUS.length).toBeGreaterThanOrEqual(150);
  for (const kind of Object.keys(EXPECTED) as PairClass[])
    expect(CORPUS.filter((p) => p.kind === kind).length).toBeGreaterThanOrEqual(25);
  // Every pair that is not a restatement brings a word the existing memory lacks,
  // so a NOOP there would lose it (this is what "silent drop" counts).
  for (const p of CORPUS.filter((x) => x.kind !== 'restatement')) {
    const old = rawWords(p.existing);
    expect(
      [...rawWords(p.input)].some((w) => !old.has(w)),
      p.input,
    ).toBe(true);
  }
  expect(new Set(CORPUS.map((p) => `${p.existing}\u0000${p.input}`)).size).toBe(CORPUS.length);
});

interface Outcome {
  pair: ConsolidationPair;
  got: string;
  ok: boolean;
  silentDrop: boolean;
}

async function run(pair: ConsolidationPair, userId: string): Promise<Outcome> {
  const first = await engine.add(pair.existing, { userId });
  expect(
    first.results.map((r) => r.event),
    pair.existing,
  ).toEqual(['ADD']);
  const oldId = first.results[0]!.id;
  const second = await engine.add(pair.input, { userId });
  const events = second.results.map((r) => r.event);
  const got = events.join('+') || `nothing (${second.skipped?.map((s) => s.reason).join(', ')})`;
  const want = EXPECTED[pair.kind];
  const target = second.results[0];
  const ok =
    events.length === 1 &&
    events[0] === want &&
    // UPDATE, DELETE and NOOP concern the existing memory; ADD is a new one.
    (want === 'ADD' ? target!.id !== oldId : target!.id === oldId);
  const stored = (await engine.getAll({ userId })).results.map((m) => m.memory);
  const kept =
    events.includes('DELETE') ||
    ((events.includes('ADD') || events.includes('UPDATE')) && stored.includes(pair.input));
  return { pair, got, ok, silentDrop: pair.kind !== 'restatement' && !kept };
}

/** Runs pairs end to end; prints the per-class table and the misses. */
async function measure(list: readonly ConsolidationPair[], name: string) {
  const outcomes: Outcome[] = [];
  for (const [i, pair] of list.entries()) outcomes.push(await run(pair, `${name}-${i}`));
  const rows = (Object.keys(EXPECTED) as PairClass[]).map((kind) => {
    const mine = outcomes.filter((o) => o.pair.kind === kind);
    const right = mine.filter((o) => o.ok).length;
    return {
      class: kind,
      expected: EXPECTED[kind],
      pairs: mine.length,
      correct: right,
      accuracy: +(right / mine.length).toFixed(3),
      silentDrops: mine.filter((o) => o.silentDrop).length,
    };
  });
  const accuracy = outcomes.filter((o) => o.ok).length / outcomes.length;
  const drops = outcomes.filter((o) => o.silentDrop).map((o) => o.pair.input);
  console.table(rows);
  console.log(
    `${name}: ${outcomes.length} pairs, accuracy ${accuracy.toFixed(3)}, silent drops ${drops.length}`,
  );
  for (const o of outcomes.filter((x) => !x.ok))
    console.log(`  miss [${o.pair.kind}] "${o.pair.existing}" → "${o.pair.input}": ${o.got}`);
  return { rows, accuracy, drops };
}

test('the corpus end to end: 0 silent drops, ≥ 90 % accuracy, per-class table', async () => {
  const { accuracy, drops } = await measure(CORPUS, 'corpus');
  expect(drops).toEqual([]);
  expect(accuracy).toBeGreaterThanOrEqual(0.9);
}, 600_000);

test('held-out pairs end to end: 0 silent drops', async () => {
  const { accuracy, drops } = await measure(HELD_OUT, 'held-out');
  expect(drops).toEqual([]);
  expect(accuracy).toBeGreaterThanOrEqual(0.8);
}, 600_000);
