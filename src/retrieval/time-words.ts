// A cheap test run before chrono-node: can this text hold a date or time chrono would find?
//
// chrono's English casual parsers (chrono-node 2.x) all need, in text without a digit, one of:
// a month or weekday name, a casual word ("today", "tonight", "noon", …), "month" ("end of the
// month"), or a time unit ("day", "weeks", "h", …) with a prefix ("in", "for", "last", "next",
// "+", …) before it or a suffix ("ago", "before", "later", …) after it. The patterns below are
// looser than chrono's (names glued to the words chrono lets them touch, any number word or
// none before a unit), so that they match wherever chrono could: a `false` means chrono would
// return nothing, and the query's parse is skipped (≈ 0.3 ms a search, and chrono's code never
// warmed up for queries without time words). test/retrieval/time-words.test.ts checks that
// against chrono itself on fuzzed and real texts.

const MONTHS =
  'january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec';
const WEEKDAYS =
  'sunday|monday|tuesday|wednesday|thursday|friday|saturday|sun|mon|tue|wed|thurs|thur|thu|fri|sat|weekend|weekday';
const CASUAL =
  'now|today|tonight|tomorrow|overmorrow|tmrw|tmr|yesterday|night|morning|afternoon|evening|midnight|midday|noon|month';
const ORDINALS =
  'first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth|twenty|thirty';
/** Words chrono lets touch a name on either side ("on monday", "first of may", "this morning"). */
const GLUE = `in|on|of|to|this|last|past|next|${ORDINALS}`;
const UNITS =
  'seconds|second|secs|sec|s|minutes|minute|mins|min|m|hours|hour|hrs|hr|h|days|day|d|weeks|week|w|months|month|mos|mo|mon|quarters|quarter|qtr|years|year|yrs|yr|y';
const NUMBERS =
  'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half|an|a|few|several|the|couple|of|about|around';
const PREFIX = 'within|in|for|this|last|past|next|after|\\+|-';
const SUFFIX = 'ago|before|earlier|later|after|from\\s*now|henceforth|forward|out';

/** A name or casual word, with a non-letter or a glue word on each side. */
const NAMED = new RegExp(
  `(?:^|[^a-z0-9_]|${GLUE})(?:${MONTHS}|${WEEKDAYS}|${CASUAL})(?:$|[^a-z0-9_]|${GLUE})`,
  'i',
);
/** A unit after a prefix word (numbers optional), ending a word or followed by another number. */
const UNIT_AFTER_PREFIX = new RegExp(
  `(?<![a-z0-9_])(?:${PREFIX})[\\s~]*(?:(?:roughly|approximately|just|this|${NUMBERS})[\\s~]*)*` +
    `(?:${UNITS})(?:$|[^a-z0-9_]|${NUMBERS}|and)`,
  'i',
);
/** A unit after a number word, followed by "ago", "later", …. */
const UNIT_BEFORE_SUFFIX = new RegExp(`(?:${NUMBERS})\\s*(?:${UNITS})\\s*(?:${SUFFIX})`, 'i');

/**
 * Whether chrono-node might find a date or time in `text`: `true` whenever it could (the test
 * is looser than chrono), `false` only when it finds nothing. Any digit counts.
 * @param text - a query
 * @example
 * mayNameTime('What did Caroline paint?') // false
 * mayNameTime('What did Caroline paint last week?') // true
 */
export function mayNameTime(text: string): boolean {
  return (
    /\d/.test(text) ||
    NAMED.test(text) ||
    UNIT_AFTER_PREFIX.test(text) ||
    UNIT_BEFORE_SUFFIX.test(text)
  );
}
