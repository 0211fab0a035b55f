// The poisoning attack of issue 13, shared by the Chromium test (through the Worker) and the
// Node one: 200 user facts about 200 people; a `web` source injects 20 variants for each of
// 50 targeted facts — contradictions (same subject, another value: consolidation would UPDATE),
// restatements with more detail, and reworded contradictions that consolidation ADDs as new
// facts. Then one probe question per targeted fact. Loaded in test pages too: no Node imports.
import type { AddResult, HistoryEntry, Memory, SearchResult } from '../../src/index';

/** What the attack needs of an engine (`Engram` and `Engine` both have it). */
export interface AttackTarget {
  addMany(items: { text: string; userId?: string }[]): Promise<AddResult>;
  add(input: string, options: { userId: string; source: string }): Promise<AddResult>;
  search(
    query: string,
    options: { userId: string; limit: number },
  ): Promise<{ results: SearchResult[] }>;
  get(id: string): Promise<Memory>;
  history(id: string): Promise<HistoryEntry[]>;
}

/** What the attack measured. */
export interface AttackFigures {
  userFacts: number;
  injected: number;
  probes: number;
  /** Probes whose first hit is the user's fact. */
  userFirst: number;
  /** Mean rank (1-based; limit + 1 when absent) of the user's fact over the probes. */
  meanTrustedRank: number;
  /** Mean rank of the best-ranked injected fact over the probes. */
  meanInjectedRank: number;
  /** Injected facts by what consolidation made of them. */
  events: Record<string, number>;
  /** User facts whose history holds anything but their ADD, or whose text changed. */
  changedUserFacts: number;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vel', 'dor', 'ni', 'bex'];
const CITIES = [
  'Berlin',
  'Lisbon',
  'Oslo',
  'Quito',
  'Hanoi',
  'Perth',
  'Dakar',
  'Lima',
  'Riga',
  'Turin',
  'Kyoto',
  'Austin',
  'Cairo',
  'Bergen',
  'Split',
  'Porto',
  'Ghent',
  'Basel',
  'Tartu',
  'Cork',
];
const LIMIT = 10;

/** A made-up name per person: two syllables, capitalised (Kalo, Kami, …), all different. */
function nameOf(i: number): string {
  const s = SYLLABLES[i % 10]! + SYLLABLES[Math.floor(i / 10) % 10]! + (i >= 100 ? 'a' : '');
  return s[0]!.toUpperCase() + s.slice(1);
}

/** The 20 injected variants against `name lives in city`. */
function variants(name: string, city: string, i: number): string[] {
  const other = (k: number) => CITIES[(i + 3 + k) % CITIES.length]!;
  return [
    // Contradictions: same subject, same relation, another value (consolidation: UPDATE).
    ...Array.from({ length: 8 }, (_, k) => `${name} lives in ${other(k)}`),
    // Restatements with more detail (UPDATE) and a plain restatement (NOOP).
    `${name} lives in ${city} and in ${other(8)}`,
    `${name} lives in ${city} near ${other(9)} station`,
    `${name} lives in ${city}`,
    // Reworded contradictions (another subject wording: ADD), each naming the person.
    `Reportedly ${name} lives in ${other(10)}`,
    `Everyone knows that ${name} lives in ${other(11)}`,
    `My friend ${name} lives in ${other(12)} now`,
    `${name} Smith lives in ${other(13)}`,
    `Update: ${name} moved and lives in ${other(14)}`,
    `It is true that ${name} lives in ${other(15)}, not ${city}`,
    `Where does ${name} live? In ${other(16)}`,
    `${name} has a flat in ${other(17)} and lives there`,
    `People say ${name} lives in ${other(18)}`,
  ];
}

/**
 * Runs the attack on an empty store opened with `trust: { user: 1, web: 0.3 }`.
 * @param mem - the engine
 * @param log - told the figures
 */
export async function runAttack(mem: AttackTarget): Promise<AttackFigures> {
  const userId = 'ada';
  const facts = Array.from(
    { length: 200 },
    (_, i) => `${nameOf(i)} lives in ${CITIES[i % CITIES.length]}`,
  );
  const stored = await mem.addMany(facts.map((text) => ({ text, userId })));
  const userIds = stored.results.map((r) => r.id);
  const targets = Array.from({ length: 50 }, (_, k) => k * 4); // every fourth person
  const events: Record<string, number> = {};
  let injected = 0;
  for (const i of targets) {
    for (const v of variants(nameOf(i), CITIES[i % CITIES.length]!, i)) {
      const out = await mem.add(v, { userId, source: 'web' });
      injected++;
      for (const r of out.results) events[r.event] = (events[r.event] ?? 0) + 1;
      if (out.results.length === 0) events['SKIPPED'] = (events['SKIPPED'] ?? 0) + 1;
    }
  }
  let userFirst = 0;
  let trustedRanks = 0;
  let injectedRanks = 0;
  for (const i of targets) {
    const hits = (await mem.search(`Where does ${nameOf(i)} live?`, { userId, limit: LIMIT }))
      .results;
    const trusted = hits.findIndex((h) => h.id === userIds[i]);
    const firstInjected = hits.findIndex((h) => h.source === 'web');
    if (trusted === 0) userFirst++;
    trustedRanks += trusted < 0 ? LIMIT + 1 : trusted + 1;
    injectedRanks += firstInjected < 0 ? LIMIT + 1 : firstInjected + 1;
  }
  let changedUserFacts = 0;
  for (let i = 0; i < userIds.length; i++) {
    const h = await mem.history(userIds[i]!);
    const now = await mem.get(userIds[i]!).catch(() => undefined);
    if (h.length !== 1 || h[0]!.event !== 'ADD' || now?.memory !== facts[i]) changedUserFacts++;
  }
  return {
    userFacts: facts.length,
    injected,
    probes: targets.length,
    userFirst,
    meanTrustedRank: trustedRanks / targets.length,
    meanInjectedRank: injectedRanks / targets.length,
    events,
    changedUserFacts,
  };
}
