import { expect, test } from 'vitest';
import { Retriever, type RetrievalDoc } from '../../src/retrieval/retriever';

const DAY = 86_400_000;
const may = Date.UTC(2023, 4, 8);
const july = Date.UTC(2023, 6, 10);
const DOCS: RetrievalDoc[] = [
  {
    id: 's1:0',
    text: 'Mel: How was your week?',
    time: may,
    episode: 's1',
    order: 0,
    speaker: 'Mel',
  },
  {
    id: 's1:1',
    text: 'Caro: I went to a support group yesterday',
    time: may,
    episode: 's1',
    order: 1,
    speaker: 'Caro',
  },
  {
    id: 's1:2',
    text: 'Mel: That sounds powerful, tell me more',
    time: may,
    episode: 's1',
    order: 2,
    speaker: 'Mel',
  },
  {
    id: 's1:3',
    text: 'Caro: Everyone shared their stories about coming out',
    time: may,
    episode: 's1',
    order: 3,
    speaker: 'Caro',
  },
  {
    id: 's2:0',
    text: 'Caro: I joined a support group for artists',
    time: july,
    episode: 's2',
    order: 0,
    speaker: 'Caro',
  },
  {
    id: 's2:1',
    text: 'Mel: I took the kids camping in the mountains',
    time: july,
    episode: 's2',
    order: 1,
    speaker: 'Mel',
  },
];

function make(): Retriever {
  const r = new Retriever();
  for (const d of DOCS) r.upsert(d);
  return r;
}

const OFF = {
  dense: false,
  episode: false,
  time: false,
  context: false,
  links: false,
  rerank: false,
} as const;

test('lexical stage alone ranks by BM25; the allow filter applies', () => {
  const r = make();
  expect(
    r
      .search('support group', 2, {}, OFF)
      .map((h) => h.id)
      .sort(),
  ).toEqual(['s1:1', 's2:0']);
  expect(
    r.search('support group', 5, { allow: (id) => id.startsWith('s2') }, OFF).map((h) => h.id),
  ).toEqual(['s2:0']);
});

test('the allow filter applies to the dense candidates; their map is only read', () => {
  const r = make();
  const stages = { ...OFF, dense: {} };
  const dense = new Map([
    ['s1:1', 0.9],
    ['s2:0', 0.5],
  ]);
  const allowS2 = { dense, allow: (id: string) => id.startsWith('s2') };
  expect(r.search('support group', 5, allowS2, stages).map((h) => h.id)).toEqual(['s2:0']);
  // All allowed: as without the filter.
  const all = r.search('support group', 5, { dense, allow: () => true }, stages);
  expect(all).toEqual(r.search('support group', 5, { dense }, stages));
  expect(all.map((h) => h.id)).toContain('s1:1');
  expect([...dense]).toEqual([
    ['s1:1', 0.9],
    ['s2:0', 0.5],
  ]);
});

test('a time window in the query lifts the memory from that time', () => {
  const r = make();
  const now = Date.UTC(2023, 9, 1);
  expect(r.search('support group in July', 1, { now }, { ...OFF, time: {} })[0]!.id).toBe('s2:0');
  expect(r.search('support group in May', 1, { now }, { ...OFF, time: {} })[0]!.id).toBe('s1:1');
});

test('context expansion brings in the neighbours of a hit, in its episode only', () => {
  const r = make();
  const ids = r
    .search('coming out stories', 4, {}, { ...OFF, context: { radius: 1 } })
    .map((h) => h.id);
  expect(ids[0]).toBe('s1:3');
  expect(ids).toContain('s1:2');
  expect(ids).not.toContain('s2:0');
  expect(r.neighbours('s1:1', 1)).toEqual([
    { id: 's1:0', distance: -1 },
    { id: 's1:2', distance: 1 },
  ]);
});

test('dense scores fuse in; links lift a memory linked to the hits', () => {
  const r = make();
  const dense = new Map([
    ['s2:1', 0.9],
    ['s1:0', 0.1],
  ]);
  expect(r.search('mountain trip', 1, { dense }, { ...OFF, dense: {} })[0]!.id).toBe('s2:1');
  const links = (id: string) => (id === 's2:1' ? [{ id: 's1:3', weight: 1 }] : []);
  const ids = r
    .search('camping', 2, { links }, { ...OFF, links: { weight: 0.5, stored: true, shared: 0 } })
    .map((h) => h.id);
  expect(ids).toEqual(['s2:1', 's1:3']);
});

test('updates, removes and a snapshot round trip keep the same ranking', () => {
  const r = make();
  r.upsert({ ...DOCS[5]!, text: 'Mel: We went to the beach' });
  expect(r.search('camping', 5, {}, OFF)).toEqual([]);
  r.remove('s1:2');
  expect(r.neighbours('s1:1', 1).map((n) => n.id)).toEqual(['s1:0', 's1:3']);
  const again = Retriever.fromSnapshot(JSON.parse(JSON.stringify(r.snapshot())));
  const q = 'When did Caro go to the support group?';
  expect(again.search(q, 5, { now: july + DAY })).toEqual(r.search(q, 5, { now: july + DAY }));
  expect(again.size).toBe(5);
});
