// Standing instructions and preferences: "Always format code with syntax highlighting", "I
// prefer minimal dependencies". They govern later requests that need not share a word with
// them ("show me how to implement a login"), so they are recognised when written and matched
// to a request by topic (a small lexicon: code, markup, dependencies, errors, …) as well as by
// their words.
import { EngramError } from '../errors';
import type { StandingKind } from '../store/records';
import { terms } from './analyzer';
import { byId, type Scores, type TieOrder } from './fusion';
import { sentenceSegments } from './sentences';

export type { StandingKind } from '../store/records';

/** A sentence that gives a standing instruction: an imperative that holds from now on. */
const INSTRUCTION =
  /^(?:(?:please|and|also|so)[,\s]+)*(?:always|never|don[’']?t|do not|make sure (?:to|you|that)|remember to|be sure to|from now on|going forward|in future|in the future)\b/iu;

/** A sentence that states a preference of the speaker. */
const PREFERENCE =
  /\b(?:i|we)(?:['’]d| would| really| generally| usually| always)? (?:prefer|rather)\b|\bmy (?:preference|preferences)\b|\bi (?:like|love|want) (?:it|things|answers|responses|code|my) [^.?!]{0,40}\b(?:better|more|short|concise|simple|minimal)\b/iu;

/** Sentences longer than this are not taken as instructions (code, long explanations). */
const MAX_INSTRUCTION_CHARS = 300;

/**
 * Whether a text gives a standing instruction or states a preference, from its sentences: an
 * instruction is a sentence (not a question) that starts "Always …", "Never …", "Don't …",
 * "Please make sure to …", "From now on …"; a preference says "I prefer …", "I'd rather …",
 * "my preference …". An instruction wins over a preference; neither: undefined.
 * @param text - the memory text (the user's words)
 * @example
 * standingKind('Always format code with syntax highlighting.') // 'instruction'
 * standingKind('I prefer minimal dependencies') // 'preference'
 * standingKind('I always go hiking on Sundays') // undefined
 */
export function standingKind(text: string): StandingKind | undefined {
  let kind: StandingKind | undefined;
  for (const { segment } of sentenceSegments(text)) {
    const s = segment.trim();
    if (s.length === 0 || s.length > MAX_INSTRUCTION_CHARS * 4) continue;
    if (/^never mind\b/iu.test(s)) continue;
    if (s.length <= MAX_INSTRUCTION_CHARS && !s.endsWith('?') && INSTRUCTION.test(s))
      return 'instruction';
    if (PREFERENCE.test(s)) kind = 'preference';
  }
  return kind;
}

/**
 * Topics a request and an instruction can share without sharing a word; each lists words
 * (stemmed like index terms) that put a text on it.
 */
const TOPIC_WORDS: Record<string, string> = {
  code:
    'code codes coding snippet snippets implement implementation implementing function functions ' +
    'script program programming class method syntax debug compile refactor javascript typescript ' +
    'python java rust sql component hook module',
  markup:
    'html html5 markup tag tags element elements webpage website page layout semantic css style section',
  dependencies:
    'library libraries dependency dependencies package packages framework frameworks tool tools ' +
    'version versions install npm pip plugin',
  errors: 'error errors exception exceptions fail failure wrong status handle handling crash bug',
  api: 'api apis endpoint endpoints request requests response responses rest http fetch',
  security:
    'security secure authentication authorization auth login password token encrypt permission ' +
    'vulnerability',
  data: 'database databases schema table tables query queries sql model models migration storage',
  testing: 'test tests testing unit coverage assert mock',
  deployment: 'deploy deployment deployments release releases pipeline ci cd docker server hosting',
  performance:
    'performance fast faster speed slow latency optimize optimization cache caching memory',
  time: 'date dates timestamp timestamps schedule deadline deadlines due timeline calendar',
  money:
    'budget cost costs price prices expense expenses income money currency payment salary ' +
    'compensation amount offer pay',
  math:
    'probability chance odds random dice card cards deck draw event events formula equation ' +
    'calculate calculation triangle area geometry algebra proof',
  career: 'resume cv job jobs career position interview experience achievements hiring employer',
  writing:
    'write writing draft edit editing essay paper article sources source citation cite ' +
    'references chapter manuscript',
};

/** Index terms of each topic's words. */
const TOPICS: readonly [string, ReadonlySet<string>][] = Object.entries(TOPIC_WORDS).map(
  ([topic, list]) => [topic, new Set(terms(list))],
);

/**
 * The topics of a text's index terms, as marker terms (`§code`, `§markup`, …) that no text
 * yields, so they can sit in a lexical index next to the words.
 * @param termList - analysed terms of a text or query
 * @example
 * topicTerms(terms('Show me how to implement a login')) // ['§code', '§security']
 */
export function topicTerms(termList: Iterable<string>): string[] {
  const have = new Set(termList);
  const out: string[] = [];
  for (const [topic, words] of TOPICS) {
    for (const w of words)
      if (have.has(w)) {
        out.push(`§${topic}`);
        break;
      }
  }
  return out;
}

/** Options of the standing stage (`retrieval.standing`). */
export interface StandingStageOptions {
  /** How many standing memories of each kind (instructions, preferences) a request may bring up (default 1). */
  top?: number;
  /**
   * Score a brought-up memory is given, as a share of the best result's score (default 0.9):
   * the best-matching one just below the best result, the next scaled by its match.
   */
  weight?: number;
  /** Weight of a shared topic against a shared word in the match (default 1). */
  topicWeight?: number;
}

/**
 * Checks `retrieval.standing` options (finite numbers ≥ 0, `top` an integer).
 * @param s - the options as given
 * @throws EngramError `InvalidArgument`
 */
export function checkStandingOptions(s: object): void {
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined) continue;
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < 0 ||
      (k === 'top' && !Number.isInteger(v))
    )
      throw new EngramError(
        'InvalidArgument',
        `retrieval.standing.${k} must be a ${k === 'top' ? 'whole' : 'finite'} number ≥ 0`,
      );
  }
}

/**
 * Brings up the standing memories that govern a request: each is matched to the request by
 * BM25 over the standing memories alone (their words and their topics), and of each kind the
 * best `top` with a match get a score just below the best result's (`weight` · best · match /
 * the kind's best match), unless they already score higher.
 * @param scores - scores by id (left unchanged)
 * @param matches - standing memories (those the search may return) with their match to the request
 * @param kindOf - the kind of a standing memory
 * @param o - stage options
 * @param tie - which of equal matches comes first (default by id)
 * @returns new scores
 */
export function surfaceStanding(
  scores: Scores,
  matches: ReadonlyMap<string, number>,
  kindOf: (id: string) => StandingKind | undefined,
  o: StandingStageOptions,
  tie: TieOrder = byId,
): Scores {
  const top = o.top ?? 1;
  const weight = o.weight ?? 0.9;
  if (top === 0 || weight === 0) return scores;
  let best = 0;
  for (const s of scores.values()) if (s > best) best = s;
  if (best === 0) best = 1;
  const out = new Map(scores);
  for (const kind of ['instruction', 'preference'] as const) {
    const picked = [...matches]
      .filter(([id, m]) => m > 0 && kindOf(id) === kind)
      .sort((a, b) => b[1] - a[1] || tie(a[0], b[0]))
      .slice(0, top);
    const first = picked[0]?.[1] ?? 0;
    for (const [id, m] of picked) {
      const s = weight * best * (m / first);
      if (s > (out.get(id) ?? 0)) out.set(id, s);
    }
  }
  return out;
}
