// Content tokens of a fact, normalised so that two ways of writing the same
// value compare equal ("5 pm" = "5pm" = "5:00 pm" = "17:00"; "$1,200" = "1200
// dollars"; "3rd" = "3"; "Wi-Fi" = "wifi"), for consolidation: a new fact is a
// restatement only if every content token is already in the memory.
import stem from 'wink-porter2-stemmer';

/** One token of a fact, in order. */
export interface FactToken {
  /** As written, lower case, contractions expanded ("don't" → "do", "not"): for grammar cues. */
  word: string;
  /** Canonical form: a Porter2 stem, a number without separators, `hh:mm`, `jan`…`dec`, `mon`…`sun`, a unit. */
  norm: string;
  /** `'value'`: a number, time, date part, amount, unit, code with digits or e-mail; else `'word'`. */
  kind: 'word' | 'value';
  /** A function word (article, pronoun, auxiliary, common preposition, filler): not content. */
  stop: boolean;
}

/** A string-keyed table without prototype keys ("constructor" is not in it). */
function table<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = table<string>();
(
  'january february march april may june july august september october november december'.split(
    ' ',
  ) as string[]
).forEach((m, i) => {
  MONTH_NAMES[m] = MONTHS[i]!;
  MONTH_NAMES[m.slice(0, 3)] = MONTHS[i]!;
});
MONTH_NAMES.sept = 'sep';
/** Month words that are also ordinary words: months only next to a number. */
const AMBIGUOUS_MONTHS = new Set(['may', 'march', 'mar', 'jan', 'aug', 'dec', 'jun', 'sep']);

const WEEKDAYS = table<string>();
for (const d of 'monday tuesday wednesday thursday friday saturday sunday'.split(' ')) {
  const short = d.slice(0, 3);
  WEEKDAYS[d] = WEEKDAYS[`${d}s`] = short;
}
Object.assign(WEEKDAYS, { tues: 'tue', weds: 'wed', thur: 'thu', thurs: 'thu' });

/** Times of day and relative days: values, like dates. */
const DAY_WORDS = new Set(
  'morning mornings afternoon afternoons evening evenings night nights tonight today tomorrow yesterday weekend weekends weekday weekdays noon midnight'.split(
    ' ',
  ),
);

const NUMBER_WORDS = table<number>();
'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty'
  .split(' ')
  .forEach((w, i) => (NUMBER_WORDS[w] = i));
'thirty forty fifty sixty seventy eighty ninety'
  .split(' ')
  .forEach((w, i) => (NUMBER_WORDS[w] = 30 + 10 * i));
NUMBER_WORDS.dozen = 12;

/** Units and currencies after a number, to one spelling each. */
const UNITS = table<string>();
const unit = (canonical: string, spellings: string) => {
  for (const s of spellings.split(' ')) UNITS[s] = canonical;
};
unit('usd', 'usd dollar dollars bucks $');
unit('eur', 'eur euro euros €');
unit('gbp', 'gbp £');
unit('jpy', 'jpy yen ¥');
unit('ms', 'ms msec msecs millisecond milliseconds');
unit('s', 's sec secs second seconds');
unit('min', 'min mins minute minutes');
unit('h', 'h hr hrs hour hours');
unit('day', 'day days');
unit('week', 'week weeks wk wks');
unit('month', 'month months');
unit('year', 'year years yr yrs');
unit('kg', 'kg kgs kilo kilos kilogram kilograms');
unit('g', 'g gram grams');
unit('lb', 'lb lbs pound pounds');
unit('km', 'km kms kilometer kilometers kilometre kilometres');
unit('m', 'm meter meters metre metres');
unit('cm', 'cm centimeter centimeters centimetre centimetres');
unit('mm', 'mm millimeter millimeters millimetre millimetres');
unit('mi', 'mi mile miles');
unit('kb', 'kb kilobyte kilobytes');
unit('mb', 'mb megabyte megabytes');
unit('gb', 'gb gigabyte gigabytes');
unit('tb', 'tb terabyte terabytes');
unit('w', 'w watt watts');
unit('kw', 'kw kilowatt kilowatts');
unit('pct', '% percent pct');
unit('l', 'l liter liters litre litres');
unit('ml', 'ml milliliter milliliters millilitre millilitres');

const BRITISH = table<string>({
  colour: 'color',
  colours: 'colors',
  favourite: 'favorite',
  favourites: 'favorites',
  neighbour: 'neighbor',
  neighbours: 'neighbors',
  flavour: 'flavor',
  behaviour: 'behavior',
  centre: 'center',
  theatre: 'theater',
  organise: 'organize',
  cancelled: 'canceled',
  travelling: 'traveling',
});

/**
 * Function words: articles, pronouns, auxiliaries, the commonest prepositions,
 * conjunctions and chat fillers. Kept as content on purpose: negations (not, no,
 * never), prepositions that change a fact (before, after, near, without, …),
 * frequency words (always, usually, often) and verbs (like, take, make, get).
 */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the i me my mine myself we us our ours ourselves you your yours yourself he him his ' +
    'himself she her hers herself it its itself they them their theirs themselves this that ' +
    'these those am is are was were be been being has have had do does did will would shall ' +
    'should can could may might must at in on of to for from with by about as into onto per ' +
    'and or but so because if then than also actually really just too very now currently ' +
    'btw ok okay oh well yeah yes hey hi please anyway there here up every each some any all ' +
    'which who whom whose what'
  ).split(' '),
);

const CONTRACTIONS = table<string[]>({
  "can't": ['can', 'not'],
  "won't": ['will', 'not'],
  "shan't": ['shall', 'not'],
  "let's": ['let', 'us'],
});
const IS_BEFORE_S = new Set(
  'it that he she there here what who where how when everything something nothing'.split(' '),
);

/** Expands a contraction; a possessive 's is dropped ("Bob's" → "bob"). */
function expand(token: string): string[] {
  const fixed = CONTRACTIONS[token];
  if (fixed) return fixed;
  const m = /^(.+?)(n't|'m|'re|'ve|'ll|'d|'s|s')$/.exec(token);
  if (!m) return [token.replace(/'/g, '')];
  const [, base, tail] = m as unknown as [string, string, string];
  const head = base.replace(/'/g, '');
  switch (tail) {
    case "n't":
      return [head, 'not'];
    case "'m":
      return [head, 'am'];
    case "'re":
      return [head, 'are'];
    case "'ve":
      return [head, 'have'];
    case "'ll":
      return [head, 'will'];
    case "'d":
      return [head, 'would'];
    case "'s":
      return IS_BEFORE_S.has(head) ? [head, 'is'] : [head];
    default:
      return [`${head}s`]; // plural possessive ("parents'")
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

const stems = new Map<string, string>();
/** Porter2 stem, memoised (bounded); very long "words" (hashes, garbage) stay as they are. */
function stemOf(word: string): string {
  if (word.length <= 2 || word.length > 40) return word;
  let s = stems.get(word);
  if (s === undefined) {
    s = stem(word);
    if (stems.size >= 10_000) stems.clear();
    stems.set(word, s);
  }
  return s;
}

/** Rewrites numbers, times, dates and amounts in a lower-case text to canonical forms. */
function canonicalise(text: string): string {
  let s = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/[‐‑‒–—]/g, '-');
  // "p.m." → "pm"
  s = s.replace(/\b([ap])\.\s?m\.?(?=[\s,;:!?)]|$)/g, '$1m');
  // ISO dates → "2024 may 3"
  s = s.replace(/\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g, (all, y: string, m: string, d: string) => {
    const month = MONTHS[Number(m) - 1];
    return month && Number(d) >= 1 && Number(d) <= 31 ? `${y} ${month} ${Number(d)}` : all;
  });
  // Phone numbers and similar digit groups (≥ 7 digits) → the digits alone
  s = s.replace(
    /(?<![\p{L}\p{N}.,])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])\d{3,4}(?:[\s.-]\d{2,4})?(?![\p{L}\p{N}-]|[.,]\d)/gu,
    (all) => {
      const digits = all.replace(/\D/g, '');
      return digits.length >= 7 ? digits : all;
    },
  );
  // Thousands separators: "1,200,000" → "1200000"
  s = s.replace(/(\d),(?=\d{3}(?!\d))/g, '$1');
  // "50k" → "50000"
  s = s.replace(/\b(\d+(?:\.\d+)?)k\b/g, (_, n: string) => String(Math.round(Number(n) * 1000)));
  // Currency symbols before a number → "1200 usd"
  s = s.replace(/([$€£¥])\s?(\d+(?:\.\d+)?)/g, (_, c: string, n: string) => `${n} ${UNITS[c]}`);
  // 12-hour times → 24-hour "hh:mm"
  s = s.replace(
    /\b(\d{1,2})(?::(\d{2}))?\s?(am|pm)\b/g,
    (all, h: string, m: string, ap: string) => {
      const hour = Number(h);
      if (hour < 1 || hour > 12) return all;
      const h24 = (hour % 12) + (ap === 'pm' ? 12 : 0);
      return `${pad(h24)}:${m ?? '00'}`;
    },
  );
  s = s.replace(/\b(\d{1,2}) o'clock\b/g, (_, h: string) => `${pad(Number(h))}:00`);
  s = s.replace(/\b(\d{1,2}):(\d{2})\b/g, (all, h: string, m: string) =>
    Number(h) <= 24 && Number(m) < 60 ? `${pad(Number(h))}:${m}` : all,
  );
  s = s.replace(/\bnoon\b/g, '12:00').replace(/\bmidnight\b/g, '00:00');
  // Ordinals: "3rd" → "3"
  s = s.replace(/\b(\d+)(?:st|nd|rd|th)\b/g, '$1');
  // A unit glued to its number: "120ms" → "120 ms", "20%" → "20 %"
  s = s.replace(/(\d)([a-z]+|%)(?![\p{L}\p{N}])/gu, (all, d: string, u: string) =>
    UNITS[u] ? `${d} ${u}` : all,
  );
  // "#5531", "no. 5" → the number
  s = s.replace(/#(?=\d)/g, ' ').replace(/\bno\.\s?(?=\d)/g, 'number ');
  return s;
}

const TOKEN = /[\p{L}\p{N}](?:[\p{L}\p{N}'@_%]|[.:\-/+](?=[\p{L}\p{N}]))*|%/gu;
const TENS =
  /^(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(one|two|three|four|five|six|seven|eight|nine)$/;

/**
 * The tokens of a fact, in order, with canonical forms and kinds.
 *
 * Normalisation: Unicode NFKC, lower case; contractions expanded ("I'm" → "i am",
 * "don't" → "do not"), possessive 's dropped; hyphens inside words removed
 * ("Wi-Fi" = "wifi", "JIRA-101" = "jira101"); number words to digits ("two" = "2",
 * "twenty-five" = "25"); thousands separators dropped ("1,200" = "1200"), "50k" =
 * "50000"; ordinals to numbers ("3rd" = "3"); times to 24-hour `hh:mm` ("5 pm" =
 * "5pm" = "5:00 p.m." = "17:00"; a bare "6:30" is "06:30"); phone-like digit groups
 * of 7+ digits to the digits ("(555) 123-4567" = "555-123-4567"); ISO dates to
 * year, month, day; month and weekday names to three letters ("May" is a month
 * only next to a number); a currency symbol or unit after a number to one
 * spelling ("$1,200" = "1200 dollars" = "1200 USD"; "120ms" = "120 ms"; "25 MB" =
 * "25 megabytes"); a few British spellings to American ("colour" = "color");
 * other words Porter2-stemmed ("running" = "runs" = "run").
 *
 * Known limits: no calendar arithmetic ("3/5" is not a date; "tomorrow" is not
 * resolved), no synonyms ("leaves" ≠ "departs"), tense is not kept ("visited" =
 * "visit"), and amounts in words ("twelve hundred") stay words.
 * @param text - one fact
 * @example
 * factTokens("I'm 34").map((t) => t.norm) // ['i', 'am', '34']
 */
export function factTokens(text: string): readonly FactToken[] {
  const known = recent.get(text);
  if (known) return known;
  const out = analyse(text);
  if (text.length > RECENT_LENGTH) return out;
  if (recent.size >= RECENT_TEXTS) recent.delete(recent.keys().next().value!);
  recent.set(text, out);
  return out;
}

/**
 * Texts whose tokens are kept: an add analyses each fact twice (its key in the call, then its
 * decision) and its nearest memories each time one comes up as a candidate again.
 */
const RECENT_TEXTS = 512;
/** Longer texts are not kept (their tokens would hold much memory for a rare hit). */
const RECENT_LENGTH = 2000;
/** The tokens of recently analysed texts, oldest first (shared: callers only read them). */
const recent = new Map<string, readonly FactToken[]>();

function analyse(text: string): readonly FactToken[] {
  const raw: string[] = [];
  for (const m of canonicalise(text).matchAll(TOKEN)) {
    const t = m[0];
    if (t.includes('@')) {
      raw.push(t);
      continue;
    }
    const tens = TENS.exec(t);
    if (tens) {
      raw.push(String(NUMBER_WORDS[tens[1]!]! + NUMBER_WORDS[tens[2]!]!));
      continue;
    }
    for (const part of expand(t)) {
      const joined = /^[\d:.]+$/.test(part) ? part : part.replace(/-/g, '');
      if (joined) raw.push(joined);
    }
  }
  const out: FactToken[] = [];
  raw.forEach((word, i) => {
    const prevNumber = i > 0 && /^\d+(?:\.\d+)?$/.test(raw[i - 1]!);
    const nextNumber = i + 1 < raw.length && /^\d/.test(raw[i + 1]!);
    out.push(classify(word, prevNumber, prevNumber || nextNumber));
  });
  return out;
}

const value = (word: string, norm: string): FactToken => ({
  word,
  norm,
  kind: 'value',
  stop: false,
});

function classify(word: string, afterNumber: boolean, nearNumber: boolean): FactToken {
  const n = NUMBER_WORDS[word];
  if (n !== undefined) return value(word, String(n));
  if (/\d/.test(word) || word.includes('@')) return value(word, word);
  const u = afterNumber ? UNITS[word] : undefined;
  if (u) return value(word, u);
  const month = MONTH_NAMES[word];
  if (month && (!AMBIGUOUS_MONTHS.has(word) || nearNumber)) return value(word, month);
  const day = WEEKDAYS[word];
  if (day) return value(word, day);
  if (DAY_WORDS.has(word)) return value(word, stemOf(word));
  if (word === '%') return value(word, 'pct');
  return {
    word,
    norm: stemOf(BRITISH[word] ?? word),
    kind: 'word',
    stop: FUNCTION_WORDS.has(word),
  };
}

/**
 * Content tokens of a fact: canonical forms of the tokens that are not function words.
 * @param text - one fact
 * @example
 * contentTokens('The meeting is at 5 PM.') // ['meet', '17:00']
 */
export function contentTokens(text: string): string[] {
  return factTokens(text)
    .filter((t) => !t.stop)
    .map((t) => t.norm);
}
