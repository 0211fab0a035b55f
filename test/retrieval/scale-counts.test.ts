// Issue 15: the lexical stage and the stages after it cost in proportion to their candidates,
// not to the store. Operation counts, not times, so the test holds on a loaded machine.
import { describe, expect, it } from 'vitest';
import { Retriever } from '../../src/retrieval/retriever';
import { LexicalIndex } from '../../src/retrieval/lexical-index';
import { ranked } from '../../src/retrieval/fusion';

const RARE = 450; // memories holding the rare query term, whatever the store's size

/** n memories: every other one mentions the garden, the first RARE ones a zebra. */
function texts(n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) =>
      `note ${i} about ${i % 2 ? 'the garden' : 'a meeting'}${i < RARE ? ' and the zebra' : ''} today`,
  );
}

function retrieverOf(n: number): Retriever {
  const r = new Retriever();
  texts(n).forEach((text, i) => r.upsert({ id: `m${i}`, text, order: i }));
  return r;
}

describe('scale: operation counts as the store grows 10×', () => {
  it('postings read and candidates carried stay bounded (2,000 → 20,000 memories)', () => {
    const counts = [2000, 20000].map((n) => {
      const r = retrieverOf(n);
      const before = r.stats.postingsTouched;
      const hits = r.search('zebra in the garden', 10);
      expect(hits).toHaveLength(10);
      // The best hits hold both terms.
      for (const h of hits) expect(Number(h.id.slice(1)) % 2).toBe(1);
      return { postings: r.stats.postingsTouched - before, candidates: r.stats.candidates };
    });
    const [small, big] = counts as [(typeof counts)[0], (typeof counts)[0]];
    // Scoring every posting would read RARE + n/2 (10,450 at 20k); the pruned top-k reads
    // the rare term's postings and looks the common term up for those only.
    expect(big.postings).toBeLessThanOrEqual(2 * RARE);
    expect(big.postings).toBeLessThanOrEqual(small.postings * 1.2);
    expect(big.candidates).toBeLessThanOrEqual(small.candidates * 1.2);
    expect(big.candidates).toBeLessThan(1000);
  });

  it('the rerank kernel is given its pool only, not every candidate (2,000 → 20,000 memories)', () => {
    const sizes = [2000, 20000].map((n) => {
      const r = retrieverOf(n);
      const plan = r.plan('zebra in the garden', 10, {
        features: () => ({ retention: 1, trust: 1 }),
      });
      return { candidates: plan.scores.size, job: plan.job?.ids.length ?? -1 };
    });
    for (const { candidates, job } of sizes) {
      expect(candidates).toBeGreaterThanOrEqual(400);
      // The default rerank pool (100): the kernel keeps no more, so no more are sorted or sent.
      expect(job).toBe(100);
    }
  });

  it('once the pool is closed, held documents that cannot reach it are looked up no more', () => {
    // 'garden' in every other memory (read in full: the rare 'zebra' fills no pool of 400),
    // then a light 'note' term in all: its bound cannot lift a memory outside the 400 best, and
    // only those (not every memory held) are looked up for it. Lengths vary, so scores do.
    const counts = [2000, 20000].map((n) => {
      const ix = new LexicalIndex({ k1: 1.2, b: 0.4 });
      for (let i = 0; i < n; i++)
        ix.add(
          `m${i}`,
          `note ${'word '.repeat(i % 13)}${i % 2 ? 'garden' : 'meeting'}${i < 100 ? ' zebra' : ''}`,
        );
      const query = new Map([
        ['zebra', 1],
        ['garden', 1],
        ['note', 0.01],
      ]);
      const before = ix.stats.postingsTouched;
      const top = ix.topScores(query, 400);
      const touched = ix.stats.postingsTouched - before;
      const full = ranked(ix.scores(query), 400);
      expect([...top.keys()].sort()).toEqual(full.map(([id]) => id).sort());
      for (const [id, s] of full) expect(top.get(id)).toBe(s);
      return touched;
    });
    // zebra (100) + garden (n/2) + look-ups for 'note': about the pool (the 400 best and those
    // tied with them), whatever n; one per memory held before (n/2 + 50: 1,050 and 10,050).
    for (const [i, n] of [2000, 20000].entries())
      expect(counts[i]! - 100 - n / 2).toBeLessThanOrEqual(1000);
  });

  it('the pruned top-k is the exhaustive BM25 ranking cut at the pool', () => {
    const ix = new LexicalIndex({ k1: 1.2, b: 0.4 });
    texts(6000).forEach((t, i) => ix.add(`m${i}`, t));
    const query = new Map([
      ['zebra', 1],
      ['garden', 1],
      ['note', 0.5],
    ]);
    for (const pool of [1, 10, 400, 5000]) {
      const full = ranked(ix.scores(query), pool);
      const top = ix.topScores(query, pool);
      expect(top.size).toBe(full.length);
      for (const [id, s] of full) expect(top.get(id)).toBeCloseTo(s, 9);
    }
  });
});
