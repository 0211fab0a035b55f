// Long memories cut into passages: a 5,000-character answer is many topics, and a query about
// its last paragraph should meet that paragraph, not the whole text's average. Passages follow
// sentence boundaries (Intl.Segmenter), overlap by a sentence or so, and point to their memory.

import { sentenceSegments } from './sentences';

/** Characters a passage aims at (at most; a longer sentence is cut at line breaks, then spaces). */
export const PASSAGE_CHARS = 700;

/** Characters of the previous passage's last sentences repeated at the start of the next. */
export const PASSAGE_OVERLAP = 150;

/** Options of {@link passages}. */
export interface PassageOptions {
  /** Largest passage, characters (default {@link PASSAGE_CHARS}). */
  size?: number;
  /** Overlap with the previous passage, characters (default {@link PASSAGE_OVERLAP}); less than `size`. */
  overlap?: number;
}

/** Cuts a piece longer than `size` at line breaks, then at spaces, then hard. */
function cut(piece: string, size: number): string[] {
  if (piece.length <= size) return [piece];
  const out: string[] = [];
  let rest = piece;
  while (rest.length > size) {
    // The break (kept with the piece before it) falls within the first `size` characters.
    const window = rest.slice(0, size);
    let at = window.lastIndexOf('\n');
    if (at < size / 4) at = window.lastIndexOf(' ');
    at = at < size / 4 ? size : at + 1;
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  if (rest.length > 0) out.push(rest);
  return out;
}

/**
 * The passages of a text: the text itself when it fits in one (`size` characters or fewer),
 * else consecutive runs of whole sentences of at most `size` characters, each starting with
 * the previous passage's last sentences up to `overlap` characters. Every character of the
 * text is in some passage, in order; a passage is never empty.
 * @param text - the memory text
 * @param options - passage size and overlap
 * @example
 * passages('One. Two. Three.', { size: 12, overlap: 5 }) // ['One. Two. ', 'Two. Three.']
 */
export function passages(text: string, options: PassageOptions = {}): string[] {
  const size = options.size ?? PASSAGE_CHARS;
  const overlap = Math.min(options.overlap ?? PASSAGE_OVERLAP, size - 1);
  if (!(size >= 1)) throw new RangeError('passage size must be at least 1');
  if (text.length <= size) return [text];
  const pieces: string[] = [];
  for (const s of sentenceSegments(text)) pieces.push(...cut(s.segment, size));
  const out: string[] = [];
  let cur: string[] = [];
  let len = 0;
  let fresh = 0; // pieces of `cur` not carried over from the previous passage
  for (const p of pieces) {
    if (len + p.length > size && fresh > 0) {
      out.push(cur.join(''));
      // Carry the last pieces that fit in the overlap (and leave room for this one).
      const carried: string[] = [];
      let n = 0;
      for (let i = cur.length - 1; i >= 0; i--) {
        const c = cur[i]!;
        if (n + c.length > overlap || n + c.length + p.length > size) break;
        carried.unshift(c);
        n += c.length;
      }
      cur = carried;
      len = n;
      fresh = 0;
    }
    cur.push(p);
    len += p.length;
    fresh++;
  }
  if (fresh > 0) out.push(cur.join(''));
  return out;
}
