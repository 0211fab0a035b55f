// The rough grammar of a one-sentence fact, found by word lists (no parser):
// who or what it is about (the subject), its relation (main verb, or "be"), and
// whether that relation usually holds for several values at once.
import stem from 'wink-porter2-stemmer';
import { factTokens, type FactToken } from './fact-tokens';

/** What a fact is about and how, for consolidation. */
export interface FactShape {
  /** Every token, in order. */
  tokens: readonly FactToken[];
  /** Content tokens (canonical forms) of the subject: the words before the verb. */
  subject: string[];
  /** Whether the subject is only a pronoun ("I", "we", …): it names nothing by itself. */
  pronounSubject: boolean;
  /** The relation: the main verb's stem, `'be'` for a copula, with a multi-valued adjective ("be allerg"). */
  relation: string;
  /** Whether the relation usually holds for several values ("I have a cat" and "I have a dog"). */
  multiValued: boolean;
}

const stems = (list: string) =>
  new Set(
    list
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => stem(w)),
  );

const BE = new Set(['am', 'is', 'are', 'was', 'were', 'be', 'been', 'being']);
const AUX = new Set([
  ...BE,
  ...'has have had having do does did will would shall should can could may might must'.split(' '),
]);
const PRONOUNS = new Set('i we you he she they it'.split(' '));
const DETERMINERS = new Set(
  'a an the my our your his her their its this that these those some every each no any'.split(' '),
);
const PREPOSITIONS = new Set(
  'at in on for from to with about by of into onto near after before during since until via per under over between without within through across around behind'.split(
    ' ',
  ),
);
const ADVERBS = new Set(
  'not never no longer also just really actually still now currently usually always often sometimes rarely only already finally recently even'.split(
    ' ',
  ),
);

/** Common verbs (stems), so "leaves" in "My flight leaves at 9" is a verb. */
const VERBS = stems(`
  live work move stay reside have own like love enjoy hate dislike prefer speak play visit
  include know collect learn study watch read listen grow take support follow subscribe
  volunteer use depend cook eat drink want need attend teach write contain sell buy keep
  drive ride marry call name earn make weigh cost charge pay open close start begin end
  finish leave depart arrive land expire run report belong go come get wake sleep ship
  deliver cover add order book assign sign crash break fix plan train save walk swim smoke
  meet host cancel schedule return respond hold lead manage rent share serve send receive
  require allow block fail pass launch release take lasts last weigh stand sit wear owe
  fly travel commute invest bake paint draw sing dance build code test deploy handle
  store process accept reject remind belong mean feel think believe seem look sound`);

/**
 * Relations that usually hold for several values at once: a new value is
 * another fact, not a correction (possession, taste, skills, habits, places visited).
 */
const MULTI_VALUED = stems(`
  have own like love enjoy hate dislike speak play visit include know collect learn study
  watch read listen grow take support follow subscribe volunteer use depend cook eat drink
  attend teach write contain sell keep need want wear speak bake paint sing build`);

/** Adjectives or nouns after "be" that make a multi-valued relation ("I'm allergic to …"). */
const MULTI_AFTER_BE = stems('allergic fan friend friends member interested afraid fluent');

/** Index of the verb that ends the subject, or -1. */
function verbIndex(tokens: readonly FactToken[]): number {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word') continue;
    if (AUX.has(t.word) && !(t.word === 'may' && t.norm !== 'may')) return i;
    if (i > 0 && DETERMINERS.has(tokens[i - 1]!.word)) continue; // "my plans", "the ends"
    if (i > 0 && PRONOUNS.has(tokens[i - 1]!.word)) return i; // "I live", "she works"
    if (AUX.has(tokens[i + 1]?.word ?? '')) continue; // a head noun: "the manager is", "the report is"
    if (i > 0 && (VERBS.has(t.norm) || /[a-z]ed$/.test(t.word))) return i;
  }
  return -1;
}

/**
 * The shape of one fact.
 * @param text - one sentence
 * @example
 * factShape('My flight leaves at 9am') // subject ['flight'], relation 'leav', multiValued false
 */
export function factShape(text: string): FactShape {
  const tokens = factTokens(text);
  let end = verbIndex(tokens);
  const hasVerb = end >= 0;
  if (!hasVerb) {
    // No verb ("Note number 1 about topic 1", "Dinner on Friday"): the subject ends at a preposition.
    end = tokens.findIndex((t, i) => i > 0 && PREPOSITIONS.has(t.word));
    if (end < 0) end = tokens.length;
  }
  let start = 0;
  // A fronted phrase ("In 2019 I moved …", "On weekdays the gym …") is not the subject.
  for (let i = end - 1; i >= 0; i--)
    if (PRONOUNS.has(tokens[i]!.word) || (i > 0 && PREPOSITIONS.has(tokens[i - 1]!.word))) {
      if (PRONOUNS.has(tokens[i]!.word)) start = i;
      break;
    }
  const head = tokens.slice(start, end);
  const subject = head.filter((t) => !t.stop).map((t) => t.norm);
  const pronounSubject = subject.length === 0 && head.some((t) => PRONOUNS.has(t.word));
  let relation = '';
  let multiValued = false;
  let sawBe = false;
  let sawHave = false;
  for (let i = end; hasVerb && i < tokens.length; i++) {
    const t = tokens[i]!;
    if (AUX.has(t.word)) {
      sawBe ||= BE.has(t.word);
      sawHave ||= t.word === 'has' || t.word === 'have' || t.word === 'had';
      if (t.word === 'been' && tokens[i + 1]?.word === 'to') {
        relation = 'visit'; // "I've been to Iceland"
        break;
      }
      continue;
    }
    if (ADVERBS.has(t.word)) continue;
    if (DETERMINERS.has(t.word)) break; // the object begins: "is my manager", "has a cat"
    if (t.kind === 'word' && (i === end || VERBS.has(t.norm) || /[a-z](ed|ing)$/.test(t.word))) {
      relation = t.norm;
    } else if (sawBe && MULTI_AFTER_BE.has(t.norm)) {
      relation = `be ${t.norm}`;
      multiValued = true;
    }
    break;
  }
  if (!relation) relation = sawBe ? 'be' : sawHave ? stem('have') : '';
  multiValued ||= MULTI_VALUED.has(relation);
  return { tokens, subject, pronounSubject, relation, multiValued };
}
