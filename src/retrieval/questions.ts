// Bare questions: a chat turn that only asks ("Cool! What type of music do you play?") holds no
// fact to find. It still lends its score to the answer after it (context stage); on its own it
// is scaled down so the turns that answer fill the results.
import { EngramError } from '../errors';
import { STOP_WORDS, words } from './analyzer';

/**
 * Options of the bare-question stage (`retrieval.questions`, on by default; its settings
 * chosen leave-one-conversation-out over LoCoMo and BEAM). It reads the best 100 candidates.
 */
export interface QuestionStageOptions {
  /** A memory ending in "?" with fewer content terms than this is a bare question (default 12). */
  maxTerms?: number;
  /** Share of a bare question's score taken off (default 0.4). */
  penalty?: number;
}

/** Longer texts are never bare questions (fewer than `maxTerms` content terms fit in fewer). */
const MAX_CHARS = 400;

/**
 * Whether a memory's text is a bare question: it ends in "?" and holds fewer than `maxTerms`
 * content terms (stop words out), a leading "Speaker:" not counted.
 * @param text - the memory's text
 * @param maxTerms - the bound on content terms
 * @param speaker - the memory's speaker (lower-cased), whose "Name:" prefix is not counted
 */
export function bareQuestion(text: string, maxTerms: number, speaker?: string): boolean {
  if (text.length > MAX_CHARS || !/\?\s*$/u.test(text)) return false;
  const body =
    speaker !== undefined && text.toLowerCase().startsWith(`${speaker}:`)
      ? text.slice(speaker.length + 1)
      : text;
  // As many as its index terms (one per word that is not a stop word), without stemming them.
  let n = 0;
  for (const w of words(body)) if (!STOP_WORDS.has(w) && ++n >= maxTerms) return false;
  return true;
}

/**
 * Checks `retrieval.questions` (option names are checked with the other search options).
 * @param s - the stage's options
 * @throws EngramError `InvalidArgument` unless `maxTerms` is a whole number ≥ 1 and `penalty` a number in 0..1
 */
export function checkQuestionOptions(s: object): void {
  const { maxTerms, penalty } = s as QuestionStageOptions;
  if (maxTerms !== undefined && !(Number.isInteger(maxTerms) && maxTerms >= 1))
    throw new EngramError(
      'InvalidArgument',
      'retrieval.questions.maxTerms must be a whole number ≥ 1',
    );
  if (penalty !== undefined && !(typeof penalty === 'number' && penalty >= 0 && penalty <= 1))
    throw new EngramError(
      'InvalidArgument',
      'retrieval.questions.penalty must be a number in 0..1',
    );
}
