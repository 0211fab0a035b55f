// The columnar checkpoint (format 3): records decode to exactly what was encoded, odd fields and
// odd rows included; damaged, torn or foreign bytes are refused with a reason (opening then falls
// back to the records); format 2 (JSON text) is still read.
import { expect, test } from 'vitest';
import {
  decodeColumns,
  encodeColumns,
  encodeColumnSteps,
} from '../../src/store/checkpoint-columns';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  encodeJsonCheckpoint,
} from '../../src/store/checkpoint';
import type { CheckpointData } from '../../src/store/checkpoint-io';
import { lexicalRow } from '../../src/retrieval/lexical-row';
import type { LexicalRow, MemoryRecord } from '../../src/store/records';
import { xxh32 } from '../../src/store/checksum';

/** SHA-256 (hex) of bytes, as checkpoint heads held it before the checksum. */
async function sha256Of(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function memory(i: number, extra: Partial<MemoryRecord> = {}): MemoryRecord {
  return {
    id: `m-${i}`,
    text: `memory ${i}: on 3 May 2024 Caroline went to the support group again "quoted" \u{1F600}`,
    metadata: i % 2 ? { topic: 'health', n: i, nested: { a: [1, 2] } } : {},
    createdAt: 1_700_000_000_000 + i,
    updatedAt: 1_700_000_000_000 + i,
    version: 1,
    state: 'active',
    slot: i,
    validFrom: 1_700_000_000_000 - i,
    recordedAt: 1_700_000_000_000 + i,
    strength: 1.5,
    lastRecalledAt: 1_700_000_000_000,
    ...(i % 3 ? { userId: 'ada' } : {}),
    ...(i % 5 === 0 ? { agentId: 'helper', runId: `run-${i}`, role: 'user', name: 'Ada' } : {}),
    ...(i % 7 === 0 ? { source: 'web' } : {}),
    ...extra,
  };
}

/** Records with every optional field, odd values and odd rows. */
function sample(): CheckpointData {
  const memories = Array.from({ length: 40 }, (_, i) => memory(i));
  memories.push(
    memory(100, { validTo: 1_700_000_500_000, pendingFor: { id: 'm-1', op: 'UPDATE' } }),
    // Fields the columns do not name, and values of an unexpected type, are kept as they are.
    { ...memory(101), future: { x: 1 }, strength: 'strong' } as unknown as MemoryRecord,
    { ...memory(102), text: '' },
    { ...memory(103), version: -0, strength: 1e-300 },
  );
  const versions = [memory(3, { version: 1, supersededAt: 1_700_000_100_000, validTo: 5 })];
  const links = [
    { from: 'm-1', to: 'm-2', score: 0.8125, at: 1_700_000_000_123 },
    { from: 'm-2', to: 'm-1', score: 0.8125, at: 1_700_000_000_123 },
  ];
  const long = memory(104, {
    text: Array.from({ length: 60 }, (_, i) => `Sentence ${i} tells of gardens and tomatoes.`).join(
      ' ',
    ),
  });
  memories.push(long);
  const lexical: LexicalRow[] = memories
    .filter((m) => typeof m.strength === 'number')
    .map((m) => lexicalRow(m))
    .filter((r): r is LexicalRow => r !== undefined);
  // A row the columns cannot hold (a fractional count) is kept whole, in its place.
  lexical.splice(2, 0, {
    id: 'odd',
    v: 3,
    terms: [['half', 0.5]],
    dates: [],
    info: { order: 1, seq: 2, mentionsTime: false },
  });
  return { memories, versions, links, lexical };
}

test('columns decode to exactly the records encoded (odd fields and rows included)', () => {
  const data = sample();
  expect(data.lexical.some((r) => r.passages && r.passages.length > 1)).toBe(true);
  const bytes = encodeColumns(42, data);
  const back = decodeColumns(bytes);
  expect(back.seq).toBe(42);
  expect(back.data).toEqual(data);
  expect(Object.is(back.data.memories[43]!.version, -0)).toBe(true);
  // The same bytes from an unaligned copy.
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  expect(decodeColumns(shifted.subarray(3) as Uint8Array<ArrayBuffer>).data).toEqual(data);
  // Empty records.
  const empty = { memories: [], versions: [], links: [], lexical: [] };
  expect(decodeColumns(encodeColumns(0, empty)).data).toEqual(empty);
});

test('rows that all have the fields the engine always writes decode to the same records (made at once)', () => {
  const data = sample();
  // Without the row of an odd type, every memory has every field the engine always writes.
  data.memories = data.memories.filter((m) => typeof m.strength === 'number');
  data.memories.push(memory(105, { version: -0, text: '', metadata: {}, strength: 0 }));
  const back = decodeColumns(encodeColumns(7, data)).data;
  expect(back).toEqual(data);
  expect(Object.is(back.memories.at(-1)!.version, -0)).toBe(true);
  // Each memory has the fields it had and no other (none added as undefined).
  back.memories.forEach((m, i) =>
    expect(Object.keys(m).sort()).toEqual(Object.keys(data.memories[i]!).sort()),
  );
  back.lexical.forEach((r, i) =>
    expect(Object.keys(r.info).sort()).toEqual(Object.keys(data.lexical[i]!.info).sort()),
  );
});

test('layout 2 stores each memory id once and narrow term columns; layout 1 (written before) is still read', () => {
  const data = sample();
  // A columnar row of no memory (its id kept as a string) and a count past a byte (u32 counts).
  data.lexical.push({
    id: 'no-such-memory',
    v: 3,
    terms: [['many', 300]],
    dates: [],
    info: { order: 2, seq: 3, mentionsTime: false },
  });
  const now = encodeColumns(7, data, 2);
  const before = encodeColumns(7, data, 1);
  expect(new DataView(now.buffer).getUint32(4, true)).toBe(2);
  expect(new DataView(before.buffer).getUint32(4, true)).toBe(1);
  expect(decodeColumns(now).data).toEqual(data);
  expect(decodeColumns(before).data).toEqual(data);
  expect(decodeColumns(now, true).data.lexicalColumns!.ids).toEqual(
    decodeColumns(before, true).data.lexicalColumns!.ids,
  );
  // Without the odd rows: every id a memory's, every count a byte, the dictionary u16.
  const plain = sample();
  plain.lexical = plain.lexical.filter((r) => r.id !== 'odd');
  const small = encodeColumns(7, plain, 2);
  const big = encodeColumns(7, plain, 1);
  const cols = decodeColumns(small, true).data.lexicalColumns!;
  expect(cols.terms.ids).toBeInstanceOf(Uint16Array);
  expect(cols.terms.counts).toBeInstanceOf(Uint8Array);
  expect(decodeColumns(small).data).toEqual(plain);
  expect(small.length).toBeLessThan(big.length);
  // A memory number past the memories is refused (opening falls back to the records).
  const len = new DataView(small.buffer).getUint32(8, true);
  const dir = JSON.parse(new TextDecoder().decode(small.subarray(12, 12 + len))) as {
    sections: { name: string; offset: number }[];
  };
  const at = dir.sections.find((x) => x.name === 'lexical.memoryAt')!;
  const bad = small.slice();
  new DataView(bad.buffer).setUint32(Math.ceil((12 + len) / 8) * 8 + at.offset, 1e6, true);
  expect(() => decodeColumns(bad)).toThrow(/names no memory/);
});

test('layout 3 stores passage words as 16-bit term indices when every row has fewer than 65,536 terms, else 32-bit', () => {
  const data = sample();
  const cols = (bytes: Uint8Array<ArrayBuffer>) => decodeColumns(bytes, true).data.lexicalColumns!;
  const now = encodeColumns(7, data);
  expect(cols(now).passages.idx).toBeInstanceOf(Uint16Array);
  expect(cols(now).passages.idx.length).toBeGreaterThan(0);
  expect(cols(encodeColumns(7, data, 2)).passages.idx).toBeInstanceOf(Uint32Array);
  expect(decodeColumns(now).data).toEqual(data);
  // A row of 70,000 terms whose passages name the last ones.
  const terms = Array.from({ length: 70_000 }, (_, i) => [`t${String(i).padStart(5, '0')}`, 1]);
  data.lexical.push({
    id: data.memories[0]!.id,
    v: 3,
    terms: terms as [string, number][],
    dates: [],
    passages: [
      [0, 1, 2],
      [65_535, 65_536, 69_999],
    ],
    info: { order: 1, seq: 1, mentionsTime: false },
  });
  data.lexical.splice(0, 1);
  const wide = encodeColumns(7, data);
  expect(cols(wide).passages.idx).toBeInstanceOf(Uint32Array);
  expect(decodeColumns(wide).data).toEqual(data);
});

test('layout 3 keeps string columns as UTF-8 sections, out of the JSON directory; odd strings round-trip; layouts 1 and 2 are still read', () => {
  const data = sample();
  data.memories.push(
    memory(200, { text: '\uFEFFa text that starts with a byte order mark' }),
    memory(201, { text: 'caf\u00e9 na\u00efve \u4e2d\u6587 \u{1F600} and a NUL \u0000 here' }),
    memory(202, { text: 'x'.repeat(5000) }),
  );
  const now = encodeColumns(9, data);
  expect(new DataView(now.buffer).getUint32(4, true)).toBe(3);
  const len = new DataView(now.buffer).getUint32(8, true);
  const dirText = new TextDecoder().decode(now.subarray(12, 12 + len));
  const dir = JSON.parse(dirText) as {
    columns: Record<string, unknown>;
    sections: { name: string }[];
  };
  // Texts, ids and the term dictionary are sections now; JSON values stay in the directory.
  for (const c of ['memories.text', 'memories.id', 'lexical.dict', 'links.from'])
    expect(dir.columns[c], c).toBeUndefined();
  expect(dir.sections.map((x) => x.name)).toContain('memories.text.utf8');
  expect(dir.columns['memories.metadata']).toBeDefined();
  expect(dirText).not.toContain('support group');
  const back = decodeColumns(now).data;
  expect(back).toEqual(data);
  expect(back.memories.find((m) => m.id === 'm-200')!.text.charCodeAt(0)).toBe(0xfeff);
  expect(back.memories.map((m) => m.text)).toEqual(data.memories.map((m) => m.text));
  // The same records in the layouts written before still decode to them.
  expect(decodeColumns(encodeColumns(9, data, 2)).data).toEqual(data);
  expect(decodeColumns(encodeColumns(9, data, 1)).data).toEqual(data);
  // A lone surrogate (UTF-8 cannot hold it) keeps that column in JSON, exactly.
  const odd = sample();
  odd.memories[0] = memory(0, { text: 'half a pair: \uD83D and \uDE00 alone' });
  const oddBytes = encodeColumns(9, odd);
  expect(decodeColumns(oddBytes).data).toEqual(odd);
  // The same bytes, whatever the slice the encoder yields after.
  const steps = encodeColumnSteps(9, data, 7);
  let step = steps.next();
  while (!step.done) step = steps.next();
  expect(step.value).toEqual(now);
  // A damaged text section is refused (the head's hash refuses it before that, too).
  const kinds = (dir.sections as { name: string; offset: number }[]).find(
    (x) => x.name === 'memories.text.kind',
  )!;
  const bad = now.slice();
  bad[Math.ceil((12 + len) / 8) * 8 + kinds.offset] = 9;
  expect(() => decodeColumns(bad)).toThrow(/text kind/);
});

test('a format-3 checkpoint is read back; damaged, torn or misplaced ones are refused', async () => {
  const data = sample();
  const { head, chunks } = await encodeCheckpoint(7, data);
  expect(head.format).toBe(3);
  const buffers = chunks.map((c) => c.slice().buffer);
  const read = await decodeCheckpoint(head, buffers);
  expect(read).toEqual({ value: data });

  // One byte changed in the middle (the bytes still decode, but the hash tells).
  const damaged = new Uint8Array(buffers[0]!.slice(0));
  damaged[Math.floor(damaged.length / 2)]! ^= 1;
  expect(await decodeCheckpoint(head, [damaged.buffer])).toEqual({
    reason: 'checkpoint does not match its hash',
  });
  // Torn: shorter than its head says.
  expect(await decodeCheckpoint(head, [buffers[0]!.slice(0, 100)])).toEqual({
    reason: 'checkpoint is torn (length differs)',
  });
  // Another log position in the head than in the bytes.
  expect(await decodeCheckpoint({ ...head, seq: 8 }, buffers)).toEqual({
    reason: 'checkpoint is of another log position than its head',
  });
  // Text where bytes belong, a missing chunk, an unknown format.
  expect(await decodeCheckpoint(head, ['text'])).toEqual({
    reason: 'a checkpoint chunk is not bytes',
  });
  expect((await decodeCheckpoint({ ...head, chunks: 2 }, buffers)) as object).toHaveProperty(
    'reason',
  );
  expect(await decodeCheckpoint({ ...head, format: 4 }, buffers)).toEqual({
    reason: 'checkpoint format 4 is not read',
  });
  // A head without a checksum.
  expect(await decodeCheckpoint({ ...head, xxh32: undefined }, buffers)).toEqual({
    reason: 'checkpoint head is unreadable',
  });
  // Bytes that hash right but are not columns (a head made for them, checked either way).
  const junk = new Uint8Array(64).fill(7);
  const junkHeads = [
    { ...head, chunks: 1, length: 64, xxh32: xxh32(junk) },
    { ...head, chunks: 1, length: 64, xxh32: undefined, sha256: await sha256Of(junk) },
  ];
  for (const h of junkHeads) {
    const junkRead = await decodeCheckpoint(h, [junk.buffer]);
    expect('reason' in junkRead && junkRead.reason).toMatch(/columns are unreadable/);
  }
});

test('a format-3 head as written before the checksum (SHA-256 of the bytes) is still read; damaged bytes are refused by it', async () => {
  const data = sample();
  const { head, chunks } = await encodeCheckpoint(7, data);
  expect(head).toHaveProperty('xxh32', xxh32(chunks[0]!));
  expect(head).not.toHaveProperty('sha256');
  const before = { ...head, xxh32: undefined, sha256: await sha256Of(chunks[0]!) };
  expect(await decodeCheckpoint(before, [chunks[0]!.buffer])).toEqual({ value: data });
  const damaged = chunks[0]!.slice();
  damaged[100]! ^= 4;
  expect(await decodeCheckpoint(before, [damaged.buffer])).toEqual({
    reason: 'checkpoint does not match its hash',
  });
});

test('a checkpoint larger than one chunk is split and joined again', async () => {
  const data = sample();
  const { head, chunks } = await encodeCheckpoint(1, data, 4096);
  expect(head.chunks).toBeGreaterThan(2);
  expect(chunks.slice(0, -1).every((c) => c.byteLength === 4096)).toBe(true);
  const read = await decodeCheckpoint(
    head,
    chunks.map((c) => c.slice().buffer),
  );
  expect(read).toEqual({ value: data });
  // A chunk missing from the middle: torn.
  const torn = chunks.filter((_c, i) => i !== 1).map((c) => c.slice().buffer);
  expect(await decodeCheckpoint({ ...head, chunks: torn.length }, torn)).toEqual({
    reason: 'checkpoint is torn (length differs)',
  });
});

test('format 2 (JSON text chunks, written before the columns) is still read', async () => {
  const data = sample();
  const { head, chunks } = await encodeJsonCheckpoint(9, data);
  expect(head.format).toBe(2);
  expect(await decodeCheckpoint(head, chunks)).toEqual({ value: JSON.parse(JSON.stringify(data)) });
  expect(await decodeCheckpoint(head, [chunks.join('').replace('Caroline', 'Carolinf')])).toEqual({
    reason: 'checkpoint does not match its hash',
  });
});

test('encoded in slices (the idle checkpoint), the bytes are the same for any slice size', () => {
  const data = sample();
  const whole = encodeColumns(9, data);
  const rows = data.memories.length + data.lexical.length;
  for (const slice of [1, 3, 64]) {
    const steps = encodeColumnSteps(9, data, slice);
    let yields = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) yields++;
    // A step per `slice` memories, and per `slice` lexical rows in each of its passes at least.
    expect(yields).toBeGreaterThanOrEqual(Math.floor(rows / slice));
    expect(step.value).toEqual(whole);
  }
  expect(decodeColumns(whole).data).toEqual(data);
});

test('large columns are copied into the bytes a step per 8 MB, runs of text without joining them first: the same bytes', () => {
  // 10 MB of UTF-8 and 9 MB of ASCII text: at least two steps of copying.
  const data: CheckpointData = {
    memories: [
      memory(1, { text: 'é'.repeat(5_000_000) }),
      memory(2, { text: 'tomatoes '.repeat(1_000_000) }),
      memory(3, { text: 'ü and more' }),
    ],
    versions: [],
    links: [],
    lexical: [],
  };
  const whole = encodeColumns(3, data);
  for (const slice of [Infinity, 1]) {
    const steps = encodeColumnSteps(3, data, slice);
    let yields = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) yields++;
    // In one slice nothing else yields: the steps are the copy's.
    expect(yields).toBeGreaterThanOrEqual(2);
    // Compared as buffers (an element-wise comparison of 19 MB is beyond vitest's `toEqual`).
    expect(Buffer.from(step.value).equals(Buffer.from(whole))).toBe(true);
  }
  const back = decodeColumns(whole).data.memories;
  expect(back.map((m) => m.text === data.memories[m.slot - 1]!.text)).toEqual([true, true, true]);
});

test('memories left in columns make, row by row, the very records a decode makes', () => {
  // Every row with the core fields (so the columns can stay), the optional ones here and there,
  // texts ASCII and not, empty and long.
  const memories = Array.from({ length: 60 }, (_, i) =>
    memory(i, {
      ...(i % 4 === 0 ? { text: `plain ascii text ${i}` } : {}),
      ...(i % 9 === 0 ? { text: '' } : {}),
      ...(i % 11 === 0 ? { validTo: 5, pendingFor: { id: 'm-1', op: 'UPDATE' } } : {}),
      ...(i % 13 === 0 ? ({ future: { x: i } } as Partial<MemoryRecord>) : {}),
      ...(i === 7 ? { text: 'x'.repeat(3000) } : {}),
    }),
  );
  const data: CheckpointData = { memories, versions: [memory(3)], links: [], lexical: [] };
  const bytes = encodeColumns(5, data);
  const eager = decodeColumns(bytes).data;
  const lazy = decodeColumns(bytes, true, true).data;
  expect(eager.memories).toEqual(memories);
  expect(lazy.memories).toEqual([]);
  expect(lazy.versions).toEqual(data.versions);
  const cols = lazy.memoryColumns!;
  expect(cols.n).toBe(memories.length);
  expect(cols.ids).toEqual(memories.map((m) => m.id));
  expect(Array.from(cols.slots)).toEqual(memories.map((m) => m.slot));
  expect(cols.states).toEqual(memories.map((m) => m.state));
  expect(Array.from(cols.textLengths)).toEqual(memories.map((m) => m.text.length));
  expect(cols.scopes.userId).toEqual(memories.map((m) => m.userId ?? 0));
  expect(cols.scopes.runId).toEqual(memories.map((m) => m.runId ?? 0));
  // Made out of order, each twice: equal records, keys in the same order.
  for (const i of [59, 0, 7, 13, 22, 0, 59]) {
    const made = cols.make(i);
    expect(made).toEqual(eager.memories[i]);
    expect(Object.keys(made)).toEqual(Object.keys(eager.memories[i]!));
  }
  // Not lazy where a row lacks a core field (a number that is not one): decoded as before.
  const odd = { ...data, memories: [...memories, { ...memory(99), strength: 'x' } as never] };
  const back = decodeColumns(encodeColumns(5, odd), true, true).data;
  expect(back.memoryColumns).toBeUndefined();
  expect(back.memories).toEqual(odd.memories);
});

test('memories left in columns: text sections that disagree are refused', () => {
  const data: CheckpointData = {
    memories: [memory(1, { text: 'abc' }), memory(2, { text: 'def' })],
    versions: [],
    links: [],
    lexical: [],
  };
  const bytes = encodeColumns(5, data);
  // A non-ASCII byte in the ASCII run ('d' → 0xe4): both decodes refuse it (the lazy one
  // without decoding the run).
  const run = new TextEncoder().encode('abcdef');
  const at = bytes.findIndex((_, i) => run.every((c, j) => bytes[i + j] === c)) + 3;
  expect(at).toBeGreaterThan(3);
  const bad = bytes.slice();
  bad[at] = 0xe4;
  expect(() => decodeColumns(bad)).toThrow();
  expect(() => decodeColumns(bad, true, true)).toThrow(/ASCII/);
});

test('memories left in columns: a non-ASCII byte early in an ASCII run of several 64 KiB pieces is refused', () => {
  // The run is checked 64 KiB at a time: a byte in its first piece counts as much as one in
  // its last.
  const long = (i: number) => `${'abcdefgh'.repeat(2_000)} ${i}`;
  const data: CheckpointData = {
    memories: Array.from({ length: 20 }, (_, i) => memory(i, { text: long(i) })),
    versions: [],
    links: [],
    lexical: [],
  };
  const bytes = encodeColumns(5, data);
  expect(decodeColumns(bytes, true, true).data.memoryColumns?.make(19).text).toBe(long(19));
  const run = new TextEncoder().encode(long(0));
  const at = bytes.findIndex((_, i) => run.every((c, j) => bytes[i + j] === c)) + 5;
  expect(at).toBeGreaterThan(5);
  const bad = bytes.slice();
  bad[at] = 0xe4;
  expect(() => decodeColumns(bad, true, true)).toThrow(/ASCII/);
});
