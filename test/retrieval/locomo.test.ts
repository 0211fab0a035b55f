// The LoCoMo harness on one conversation: the default stages beat BM25 alone.
// Builds the USE-lite embedding cache on the fly on first run (about a minute).
import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { DEFAULT_ROW, runLocomo } from '../../eval/harness';

const DATA = '../shared/data/locomo';

test.skipIf(!existsSync(`${DATA}/conv-30.json`))(
  'harness on conv-30: default recall@10 above BM25 only',
  async () => {
    const r = await runLocomo({ data: DATA, conv: ['conv-30'], ks: [5, 10] });
    const row = (n: string) => r.rows.find((x) => x.name === n)!.overall['recall@10']!;
    expect(r.questions).toBe(105);
    expect(row(DEFAULT_ROW)).toBeGreaterThan(row('BM25 only') + 0.05);
    expect(row(DEFAULT_ROW)).toBeGreaterThan(0.78);
  },
  240_000,
);
