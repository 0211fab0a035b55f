// The text a query is embedded as for the dense stage: without the names of the speakers it
// names. Names weigh heavily in a sentence embedding, and in a chat every turn that addresses
// a speaker ("Wow, Melanie!") carries the name, so a query's name pulls the dense side towards
// any turn naming that person rather than the topic asked about. The speaker boosts already
// favour the named speaker's own memories; the dense side is left with the topic.
import { queryNames } from './query';

/**
 * The query without the names of known speakers (and their possessive "'s"), spaces tidied;
 * the query unchanged when it names none, or when nothing but names would be left.
 * @param query - the query text
 * @param isSpeaker - whether a name (as written in the query) is a known speaker's
 * @example
 * withoutSpeakers("What do Melanie's kids like?", (n) => n === 'Melanie') // 'What do kids like?'
 */
export function withoutSpeakers(query: string, isSpeaker: (name: string) => boolean): string {
  const names = [...new Set(queryNames(query).filter(isSpeaker))];
  if (names.length === 0) return query;
  let s = query;
  for (const n of names) {
    const escaped = n.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
    s = s.replace(
      new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?:['’]s?)?(?![\\p{L}\\p{N}])`, 'gu'),
      '',
    );
  }
  s = s
    .replace(/\s+/gu, ' ')
    .replace(/\s+([?,.!;:])/gu, '$1')
    .trim();
  return /[\p{L}\p{N}]/u.test(s) ? s : query;
}
