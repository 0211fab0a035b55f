// The memories the crash tests write, the same in the page and in the test, and
// what the page acknowledges (they open no engine, so the Node side of the test can use them).
import { EMBED_CHUNK, type AddResultItem } from '../../src/memory/ingest';
import type { Metadata } from '../../src/types';

/** What the page tells the test after a write resolved. */
export type CrashAck =
  | { kind: 'chunk'; session: number; done: number }
  | { kind: 'add'; session: number; i: number; results: AddResultItem[] }
  | { kind: 'checkpoint'; seq: number }
  | { kind: 'update'; id: string; text: string }
  | { kind: 'delete'; id: string }
  /** A readwrite IndexedDB transaction of the in-page engine began or ended (complete or abort). */
  | { kind: 'tx'; phase: 'begin' | 'end' };

/**
 * Rows per `addMany` transaction (src/memory/ingest.ts `addBatch`): `EMBED_CHUNK`, since the
 * crash workload's engine embeds its notes (hash embedder; 500 only when every vector is given).
 */
export const CHUNK = EMBED_CHUNK;
/** Items per `addMany` session. */
export const BATCH = 10_000;

const WORDS = [
  'amber',
  'birch',
  'cobalt',
  'dune',
  'ember',
  'fjord',
  'garnet',
  'harbor',
  'indigo',
  'juniper',
  'kelp',
  'lagoon',
  'maple',
  'nickel',
  'opal',
  'pepper',
  'quartz',
  'raven',
  'saffron',
  'tundra',
  'umber',
  'violet',
  'willow',
  'xenon',
  'yarrow',
  'zephyr',
  'basalt',
  'cedar',
  'delta',
  'falcon',
];

/** The i-th memory of a session: a unique text, a scope and metadata, the same on every call. */
export function crashItem(
  session: number,
  i: number,
): { text: string; userId: string; metadata: Metadata } {
  const w = (k: number) => WORDS[(i * k + session * 7) % WORDS.length]!;
  return {
    text: `session ${session} note ${i}: the ${w(7)} ${w(11)} near the ${w(13)} ${w(17)}`,
    userId: `user-${(i + session) % 3}`,
    metadata: { session, i, tag: w(7), nested: { odd: i % 2 === 1 } },
  };
}

const STREAM_WORDS = [
  'anchor',
  'bakery',
  'canyon',
  'dolphin',
  'engine',
  'forest',
  'glacier',
  'hammock',
  'island',
  'jacket',
  'kettle',
  'lantern',
  'meadow',
  'nectar',
  'orchard',
  'pillow',
  'quiver',
  'rocket',
  'saddle',
  'teapot',
  'uniform',
  'valley',
  'walnut',
  'yogurt',
  'zipper',
  'bicycle',
  'compass',
  'dragon',
  'easel',
  'feather',
  'guitar',
  'helmet',
  'igloo',
  'jigsaw',
  'kayak',
  'ladder',
  'mirror',
  'noodle',
  'oyster',
  'parrot',
  'quilt',
  'ribbon',
  'sandal',
  'tractor',
  'umbrella',
  'violin',
  'wagon',
  'yacht',
  'zebra',
  'button',
  'candle',
  'donkey',
  'envelope',
  'funnel',
  'goblet',
  'harp',
  'inkwell',
  'jelly',
  'kiosk',
  'lemon',
  'magnet',
  'needle',
  'owl',
  'pebble',
];

/**
 * The i-th memory of an add() stream: a unique tag (`s<session>n<i>`) and five words
 * that few other memories share, so consolidation keeps each as a new fact (ADD).
 */
export function streamItem(
  session: number,
  i: number,
): { text: string; userId: string; metadata: Metadata } {
  let h = (session * 7919 + i * 104729 + 1) >>> 0;
  const words: string[] = [];
  while (words.length < 5) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    const w = STREAM_WORDS[h % STREAM_WORDS.length]!;
    if (!words.includes(w)) words.push(w);
  }
  return {
    text: `s${session}n${i} ${words.join(' ')}`,
    userId: `user-${(i + session) % 2}`,
    metadata: { session, i, first: words[0]!, nested: { odd: i % 2 === 1 } },
  };
}
