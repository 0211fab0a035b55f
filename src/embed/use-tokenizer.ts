// The USE-lite SentencePiece tokenizer, ported from @tensorflow-models/universal-sentence-encoder
// 1.3.3 (src/tokenizer; Copyright 2019 Google LLC, Apache License 2.0). That package declares
// tfjs ^3 as a peer dependency, so depending on it made every app install a second tfjs (≈ 60 MB)
// beside the 4.x Engram runs on; it was used only for this class. The ids are the same
// (test/embed/use-tokenizer.test.ts compares them with the package's).

const SEPARATOR = '\u2581'; // '▁', SentencePiece's word boundary
// The first ids are reserved for unk, control and user-defined symbols.
const RESERVED_SYMBOLS = 6;

/** A vocabulary piece as the trie returns it: its symbols, score and id. */
type Piece = [symbols: string[], score: number, id: number];

class TrieNode {
  readonly children = new Map<string, TrieNode>();
  end = false;
  word: Piece = [[], 0, 0];
}

class Trie {
  private readonly root = new TrieNode();

  insert(word: string, score: number, id: number): void {
    let node = this.root;
    const symbols = [...word];
    symbols.forEach((s, i) => {
      let child = node.children.get(s);
      if (!child) {
        child = new TrieNode();
        child.word[0] = node.word[0].concat(s);
        node.children.set(s, child);
      }
      node = child;
      if (i === symbols.length - 1) {
        node.end = true;
        node.word[1] = score;
        node.word[2] = id;
      }
    });
  }

  /** Every piece that is a prefix of `ss`, shortest first; the unknown first symbol if none. */
  commonPrefixSearch(ss: string[]): Piece[] {
    const out: Piece[] = [];
    let node = this.root.children.get(ss[0]!);
    for (let i = 0; i < ss.length && node; i++) {
      if (node.end) out.push(node.word);
      node = node.children.get(ss[i + 1]!);
    }
    if (!out.length) out.push([[ss[0]!], 0, 0]);
    return out;
  }
}

/**
 * Splits text into USE-lite's SentencePiece ids: the most likely segmentation by the
 * Viterbi algorithm over the vocabulary's scores (a port of SentencePiece's `EncodeAsIds`).
 * @example
 * const ids = new UseTokenizer(vocab).encode('hello world');
 */
export class UseTokenizer {
  private readonly trie = new Trie();

  /** @param vocabulary - `vocab.json`: `[piece, score]` pairs, the index being the id */
  constructor(private readonly vocabulary: ReadonlyArray<readonly [string, number]>) {
    for (let i = RESERVED_SYMBOLS; i < vocabulary.length; i++)
      this.trie.insert(vocabulary[i]![0], vocabulary[i]![1], i);
  }

  /**
   * @param input - any text
   * @returns its token ids (runs of unknown symbols merged into one 0)
   */
  encode(input: string): number[] {
    const normalized = input.normalize('NFKC');
    const text = normalized.length > 0 ? SEPARATOR + normalized.replace(/ /g, SEPARATOR) : '';
    const symbols = [...text];
    const n = symbols.length;
    // nodes[end] maps a start position to the pieces spanning start..end.
    const nodes: Array<Map<number, Array<{ length: number; score: number; id: number }>>> = [];
    const words = new Array<number>(n + 1).fill(0);
    const best = new Array<number>(n + 1).fill(0);
    for (let i = 0; i <= n; i++) nodes.push(new Map());
    for (let i = 0; i < n; i++) {
      for (const [key, score, id] of this.trie.commonPrefixSearch(symbols.slice(i))) {
        const at = nodes[i + key.length]!;
        const list = at.get(i) ?? [];
        list.push({ length: key.length, score, id });
        at.set(i, list);
      }
    }
    for (let end = 0; end <= n; end++) {
      // Ascending start positions, as the original's `for…in` over integer keys.
      for (const start of [...nodes[end]!.keys()].sort((a, b) => a - b)) {
        for (const word of nodes[end]!.get(start)!) {
          const score = word.score + best[end - word.length]!;
          if (best[end] === 0 || score >= best[end]!) {
            best[end] = score;
            words[end] = word.id;
          }
        }
      }
    }
    const results: number[] = [];
    // Backward pass; steps by the piece's UTF-16 length, as the original does.
    for (let at = words.length - 1; at > 0;) {
      results.push(words[at]!);
      at -= this.vocabulary[words[at]!]![0].length;
    }
    const merged: number[] = [];
    let previousUnk = false;
    for (const id of results) {
      if (!(previousUnk && id === 0)) merged.push(id);
      previousUnk = id === 0;
    }
    return merged.reverse();
  }
}
