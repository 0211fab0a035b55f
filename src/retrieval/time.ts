// Time in queries and memories: temporal expressions parsed (chrono-node) into windows,
// "when"-type intent, time mentions in memory text, and event dates as index words.
// English only (what the casual default parses): the package root also builds every other
// locale's parsers when it loads, which the engine's Worker paid at each start.
import * as chrono from 'chrono-node/en';
import { mayNameTime } from './time-words';

/** A span of time, ms since epoch, `start` inclusive, `end` exclusive. */
export interface TimeWindow {
  start: number;
  end: number;
  /** The words of the query it came from. */
  text: string;
}

const DAY = 86_400_000;
/** Month names, lower case, January first. */
export const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const MONTH_NAMES = MONTHS.map((m) => m[0]!.toUpperCase() + m.slice(1));
const SEASONS: Record<string, [number, number]> = {
  spring: [2, 5],
  summer: [5, 8],
  autumn: [8, 11],
  fall: [8, 11],
  winter: [11, 14],
};

const utc = (y: number, m: number, d = 1): number => Date.UTC(y, m, d);

/** The window that a chrono result spans, by its most precise known component. */
function windowOf(r: chrono.ParsedResult): [number, number] {
  const s = r.start;
  const y = s.get('year') ?? new Date(s.date()).getUTCFullYear();
  const m = (s.get('month') ?? 1) - 1;
  let start: number;
  let end: number;
  if (s.isCertain('day') || s.isCertain('weekday')) {
    const d = s.date();
    start = utc(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    end = start + DAY;
  } else if (s.isCertain('month')) {
    start = utc(y, m);
    end = utc(y, m + 1);
  } else if (s.isCertain('year')) {
    start = utc(y, 0);
    end = utc(y + 1, 0);
  } else {
    const d = s.date().getTime();
    start = d - 3 * DAY;
    end = d + 4 * DAY;
  }
  if (r.end) end = Math.max(end, r.end.date().getTime() + DAY);
  return [start, end];
}

/**
 * Temporal expressions of a query as time windows, relative to `now`: dates
 * ("8 May 2023", "May 2023", "in June"), relative phrases ("last year", "two weeks ago"),
 * bare years ("in 2022"), "last <month>" and seasons ("summer of 2022", "during the summer").
 * A month or season without a year is taken in the latest year that puts it before `now`.
 *
 * @param query - the query text
 * @param now - reference time, ms since epoch
 * @returns the windows found (possibly none)
 * @example
 * parseTimeWindows('What did she do in May 2023?', Date.UTC(2023, 9, 1))
 * // [{ start: Date.UTC(2023, 4, 1), end: Date.UTC(2023, 5, 1), text: 'May 2023' }]
 */
export function parseTimeWindows(query: string, now: number): TimeWindow[] {
  const ref = new Date(now);
  const nowYear = ref.getUTCFullYear();
  const out: TimeWindow[] = [];
  const covered: [number, number][] = [];
  const take = (start: number, end: number, text: string, at: number, len: number): void => {
    out.push({ start, end, text });
    covered.push([at, at + len]);
  };
  const free = (at: number, len: number): boolean =>
    covered.every(([a, b]) => at + len <= a || at >= b);
  // Seasons, with or without a year.
  for (const m of query.matchAll(
    /\b(spring|summer|autumn|fall|winter)(?:\s+(?:of\s+)?((?:19|20)\d\d))?\b/gi,
  )) {
    const [a, b] = SEASONS[m[1]!.toLowerCase()]!;
    let y = m[2] ? Number(m[2]) : nowYear;
    if (!m[2] && utc(y, a) > now) y--;
    take(utc(y, a), utc(y, b), m[0], m.index, m[0].length);
  }
  // "last May": the latest May before now.
  for (const m of query.matchAll(new RegExp(`\\blast\\s+(${MONTHS.join('|')})\\b`, 'gi'))) {
    const mo = MONTHS.indexOf(m[1]!.toLowerCase());
    let y = nowYear;
    if (utc(y, mo + 1) > now) y--;
    take(utc(y, mo), utc(y, mo + 1), m[0], m.index, m[0].length);
  }
  // Most questions name no time: skip chrono's parsers (and their warm-up) when nothing could match.
  const parsed = mayNameTime(query)
    ? chrono.parse(query, { instant: ref, timezone: 0 }, { forwardDate: false })
    : [];
  for (const r of parsed) {
    if (!free(r.index, r.text.length)) continue;
    let [start, end] = windowOf(r);
    // A month or day named without a year: the latest one not after now.
    if (!r.start.isCertain('year') && (r.start.isCertain('month') || r.start.isCertain('day'))) {
      while (start > now) {
        const d = new Date(start);
        const e = new Date(end);
        start = utc(d.getUTCFullYear() - 1, d.getUTCMonth(), d.getUTCDate());
        end = utc(e.getUTCFullYear() - 1, e.getUTCMonth(), e.getUTCDate());
      }
    }
    take(start, end, r.text, r.index, r.text.length);
  }
  // Bare years chrono leaves alone ("in 2022").
  for (const m of query.matchAll(/\b((?:19|20)\d\d)\b/g)) {
    if (!free(m.index, m[0].length)) continue;
    const y = Number(m[1]);
    take(utc(y, 0), utc(y + 1, 0), m[0], m.index, m[0].length);
  }
  return out;
}

const WHEN =
  /\b(when|what (?:year|month|day|date|time)|which (?:year|month|day)|how long|how many (?:days|weeks|months|years)|how old|since when|ago)\b/i;

/**
 * Whether a query asks about time ("when …", "how long …", "what year …").
 * @param query - the query text
 */
export function hasTimeIntent(query: string): boolean {
  return WHEN.test(query);
}

const TIME_WORDS =
  /\b(yesterday|today|tonight|tomorrow|last (?:night|week|weekend|month|year|summer|winter|spring|fall|time)|this (?:morning|week|weekend|month|year)|next (?:week|weekend|month|year)|ago|recently|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|weekend|since (?:19|20)\d\d|(?:19|20)\d\d)\b/i;

/**
 * Whether a memory text mentions a time ("yesterday", "last week", "two years ago",
 * a weekday, a date), i.e. whether it can answer a "when" question by itself.
 * @param text - memory text
 */
export function mentionsTime(text: string): boolean {
  if (TIME_WORDS.test(text)) return true;
  return mayNameTime(text) && chrono.parse(text, new Date(0)).length > 0;
}

/**
 * Words for an event date, to index with a memory: "8 May 2023".
 * @param ms - event time, ms since epoch
 */
export function dateWords(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/**
 * How well an event time fits the query's windows: 1 inside one, decaying with the
 * distance outside it (half at `halfLife` ms), 0 when there is no window.
 * @param time - the memory's event time
 * @param windows - from {@link parseTimeWindows}
 * @param halfLife - ms outside a window at which the fit halves (default 7 days)
 */
export function windowFit(
  time: number,
  windows: readonly TimeWindow[],
  halfLife = 7 * DAY,
): number {
  let best = 0;
  for (const w of windows) {
    const dist = time < w.start ? w.start - time : time >= w.end ? time - w.end : 0;
    best = Math.max(best, Math.pow(0.5, dist / halfLife));
  }
  return best;
}
