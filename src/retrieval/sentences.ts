// Sentence boundaries, as Intl.Segmenter finds them with English rules, for the passages of
// long memories and the sentences of standing instructions. The segmenter is made at its first
// use, not when the module loads: making one loads the runtime's sentence rules (≈ 14 ms in
// Chromium here), which at module load was part of every engine Worker's start, while an open
// and its first search need no sentence.

let segmenter: Intl.Segmenter | undefined;

/**
 * The sentences of a text (each segment keeps its trailing spaces and line breaks; together
 * they are the text).
 * @param text - any text
 * @example
 * [...sentenceSegments('One. Two.')].map((s) => s.segment) // ['One. ', 'Two.']
 */
export function sentenceSegments(text: string): Intl.Segments {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'sentence' });
  return segmenter.segment(text);
}
