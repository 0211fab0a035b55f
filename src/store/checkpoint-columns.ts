// The checkpoint's records in columns (format 3, see `checkpoint.ts`): numbers in typed arrays,
// strings in flat string arrays, lexical terms as numbers into one term dictionary. Opening a
// store then parses a few flat arrays instead of one JSON object per record and one tiny array
// per term (measured at 10k memories in Node: JSON.parse of the format-2 text ≈ 5× the decode
// of these columns). A field of unexpected type, or one the schema does not name, is kept in a
// per-record `extra` object, so every record decodes to exactly what was encoded.
import type { CheckpointData } from './checkpoint-io';
import { runAll } from '../util/tasks';
import {
  checkColumns,
  checkPostings,
  columnDocs,
  docCount,
  invertDocs,
  rowAt,
  type LexicalColumns,
  type TermPairs,
} from './lexical-columns';
import type { DocInfo, LexicalRow, LinkRecord, MemoryRecord } from './records';

/** Columns of one table: which fields are numbers, strings, booleans or any JSON value. */
interface TableSchema {
  numbers: readonly string[];
  strings: readonly string[];
  bools: readonly string[];
  json: readonly string[];
  /** The fields every row has as the engine writes them, made at once (see {@link CoreFields}). */
  core?: CoreFields;
}

/**
 * Fields a table's rows all have as the engine writes them, made in one object literal per
 * row (`make`: column `j` of `cols` is the literal's `j`-th field, a boolean column as its 0/1
 * bytes): a row made with all its fields at once is ≈ 4× faster than one whose fields are added
 * one by one to `{}` (each addition a step of its shape, its property store regrown every few),
 * and leaves less to collect (100k memories at each open). Used only when every row has every
 * one of them; the other fields are added to it as before.
 */
interface CoreFields {
  /** The literal's fields, in order (read from the literal itself: see {@link coreFields}). */
  keys: readonly string[];
  make: (cols: readonly ArrayLike<unknown>[], i: number) => Record<string, unknown>;
}

/** {@link CoreFields} of a row literal, its keys taken from one made of empty columns. */
function coreFields(make: CoreFields['make']): CoreFields {
  const empty = new Proxy([], { get: () => [] }) as readonly ArrayLike<unknown>[];
  return { keys: Object.keys(make(empty, 0)), make };
}

const MEMORY: TableSchema = {
  numbers: [
    'createdAt',
    'updatedAt',
    'version',
    'slot',
    'validFrom',
    'validTo',
    'recordedAt',
    'supersededAt',
    'strength',
    'lastRecalledAt',
  ],
  strings: ['id', 'text', 'state', 'userId', 'agentId', 'runId', 'role', 'source', 'name'],
  bools: [],
  json: ['metadata', 'pendingFor'],
  core: coreFields((c, i) => ({
    id: c[0]![i],
    text: c[1]![i],
    state: c[2]![i],
    metadata: c[3]![i],
    createdAt: c[4]![i],
    updatedAt: c[5]![i],
    version: c[6]![i],
    slot: c[7]![i],
    validFrom: c[8]![i],
    recordedAt: c[9]![i],
    strength: c[10]![i],
    lastRecalledAt: c[11]![i],
  })),
};

const LINK: TableSchema = {
  numbers: ['score', 'at'],
  strings: ['from', 'to'],
  bools: [],
  json: [],
};

const INFO: TableSchema = {
  numbers: ['time', 'order', 'seq'],
  strings: ['speaker', 'episode', 'kind', 'role'],
  bools: ['mentionsTime'],
  json: [],
  core: coreFields((c, i) => ({ order: c[0]![i], seq: c[1]![i], mentionsTime: c[2]![i] === 1 })),
};

/** Magic number at the start of the bytes ("ENGC"). */
const MAGIC = 0x434e4745;

/**
 * Layout of the bytes after the magic number. 1: every lexical row's memory id as a string
 * (again), term ids and counts as u32. 2: a lexical row's memory id as the number of that memory
 * in `memories` (ids stored once), term ids as u16 while the dictionary fits and counts as u8
 * while every count does. 3 (written since): as 2, and the string columns (texts, ids, the term
 * dictionary…) as UTF-8 sections beside the typed arrays instead of JSON in the directory (see
 * {@link encodeText}). All three are read.
 */
export type ColumnsLayout = 1 | 2 | 3;

/** The layout written (see {@link ColumnsLayout}). */
export const COLUMNS_LAYOUT: ColumnsLayout = 3;

/** Bytes of a column copied into the checkpoint's bytes per step of {@link encodeColumnSteps}. */
const COPY_PIECE = 8 * 1024 * 1024;

/** A lexical row's memory index when its id is not among the memories' (layout 2). */
const NOT_A_MEMORY = 0xffffffff;

/** A typed-array column as laid out in the bytes. */
interface Section {
  name: string;
  type: 'f64' | 'u32' | 'u16' | 'u8';
  /** Byte offset from the start of the bytes (a multiple of 8), and element count. */
  offset: number;
  length: number;
}

/** The JSON part of the bytes: string and JSON columns, and where the typed arrays lie. */
interface Directory {
  seq: number;
  counts: Record<string, number>;
  columns: Record<string, unknown[]>;
  sections: Section[];
}

type Typed = Float64Array | Uint32Array | Uint16Array | Uint8Array;

/** Collects columns while encoding. */
class Writer {
  readonly columns: Record<string, unknown[]> = {};
  /** Sections: a typed array, or bytes in runs (written one after another, never joined). */
  readonly arrays: { name: string; data: Typed | readonly Uint8Array[] }[] = [];
  /** String columns to write as UTF-8 sections (layout 3), once the tables are done. */
  readonly texts: { name: string; values: readonly unknown[] }[] = [];
  constructor(readonly layout: ColumnsLayout) {}
  add(name: string, data: Typed | readonly Uint8Array[]): void {
    this.arrays.push({ name, data });
  }
  /** A column of strings (0 where a row has none): a UTF-8 section where it can be, else JSON. */
  strings(name: string, values: readonly unknown[]): void {
    if (this.layout >= 3 && textFits(values)) this.texts.push({ name, values });
    else this.columns[name] = values as unknown[];
  }
}

/** A lone surrogate (TextEncoder would write it as U+FFFD: such a column stays JSON). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Only ASCII characters (one UTF-8 byte, one UTF-16 unit each). */
const ASCII = /^[\x00-\x7f]*$/;

/** Whether every value is 0 (none) or a string UTF-8 holds exactly (no lone surrogate). */
function textFits(values: readonly unknown[]): boolean {
  return values.every((v) => v === 0 || (typeof v === 'string' && !LONE_SURROGATE.test(v)));
}

/**
 * A string column (layout 3) as four sections: `kind` per row (0 none, 1 ASCII, 2 other), `len`
 * its length in UTF-16 units, and the UTF-8 of the ASCII strings and of the others, each run
 * together. Reading decodes each run in one go and slices it (`Reader.column`): no JSON to
 * parse, and the ASCII run (texts are mostly ASCII) decodes to a one-byte string. A generator
 * that yields after every `slice` values.
 */
function* encodeText(
  w: Writer,
  name: string,
  values: readonly unknown[],
  slice: number,
): Generator<void, void> {
  const n = values.length;
  const kind = new Uint8Array(n);
  const len = new Uint32Array(n);
  const encoder = new TextEncoder();
  const runs: [Uint8Array[], Uint8Array[]] = [[], []];
  for (let from = 0; from < n; from += slice) {
    if (from > 0) yield;
    const pending: [string[], string[]] = [[], []];
    for (let i = from; i < Math.min(n, from + slice); i++) {
      const v = values[i];
      if (typeof v !== 'string') continue;
      const ascii = ASCII.test(v);
      kind[i] = ascii ? 1 : 2;
      len[i] = v.length;
      pending[ascii ? 0 : 1].push(v);
    }
    for (const k of [0, 1] as const)
      if (pending[k].length) runs[k].push(encoder.encode(pending[k].join('')));
  }
  w.add(`${name}.kind`, kind);
  w.add(`${name}.len`, len);
  w.add(`${name}.ascii`, runs[0]);
  w.add(`${name}.utf8`, runs[1]);
}

/** Bytes in a section: a typed array's, or its runs' together. */
function sectionBytes(a: Typed | readonly Uint8Array[]): number {
  return Array.isArray(a)
    ? (a as readonly Uint8Array[]).reduce((n, r) => n + r.byteLength, 0)
    : (a as Typed).byteLength;
}

/** Byte arrays run together. */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Strings shorter than this are copied by `slice` (not views of the run): shared instead. */
const SHORT = 13;

/**
 * A string column written by {@link encodeText}, back as strings (0 where a row has none).
 * @throws Error when the sections do not agree (a damaged or foreign checkpoint)
 */
function decodeText(
  kind: Uint8Array,
  len: Uint32Array,
  asciiBytes: Uint8Array,
  utf8Bytes: Uint8Array,
): unknown[] {
  if (kind.length !== len.length) throw new Error('text column sizes differ');
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
  const ascii = decoder.decode(asciiBytes);
  const other = decoder.decode(utf8Bytes);
  if (ascii.length !== asciiBytes.length) throw new Error('an ASCII text run is not ASCII');
  const short = new Map<string, string>();
  const out = new Array<unknown>(kind.length);
  let a = 0;
  let b = 0;
  for (let i = 0; i < kind.length; i++) {
    const k = kind[i]!;
    const l = len[i]!;
    let s: string;
    if (k === 0) {
      out[i] = 0;
      continue;
    } else if (k === 1) s = ascii.slice(a, (a += l));
    else if (k === 2) s = other.slice(b, (b += l));
    else throw new Error('a text kind is unknown');
    if (l < SHORT) {
      const seen = short.get(s);
      if (seen === undefined) short.set(s, s);
      else s = seen;
    }
    out[i] = s;
  }
  if (a !== ascii.length || b !== other.length) throw new Error('text lengths differ from runs');
  return out;
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Writes rows of a table: each known field into its column, the rest into `extra`. A generator
 * that yields after every `slice` rows (see {@link encodeColumnSteps}).
 */
function* encodeTable(
  w: Writer,
  prefix: string,
  rows: readonly object[],
  s: TableSchema,
  slice: number,
): Generator<void, void> {
  const n = rows.length;
  const known = new Set([...s.numbers, ...s.strings, ...s.bools, ...s.json]);
  const extra: (Record<string, unknown> | 0)[] = new Array<Record<string, unknown> | 0>(n).fill(0);
  let anyExtra = false;
  const put = (i: number, k: string, v: unknown) => {
    const e = extra[i] || (extra[i] = {});
    e[k] = v;
    anyExtra = true;
  };
  const nums = s.numbers.map(() => new Float64Array(n));
  const bools = s.bools.map(() => new Uint8Array(n));
  // String and JSON columns: 0 where the row has no such value.
  const strs = s.strings.map(() => new Array<unknown>(n).fill(0));
  const jsons = s.json.map(() => new Array<unknown>(n).fill(0));
  const anyStr = s.strings.map(() => false);
  const anyJson = s.json.map(() => false);
  // Row by row, every field in the same order as column by column would (numbers, booleans,
  // strings, JSON, unknown), so each row's `extra` holds its keys in that order.
  for (let from = 0; from < n; from += slice) {
    if (from > 0) yield;
    for (let i = from; i < Math.min(n, from + slice); i++) {
      const r = rows[i] as Record<string, unknown>;
      s.numbers.forEach((k, c) => {
        // Absent is NaN; a NaN that was there (JSON would have lost it too) is kept in `extra`.
        const v = r[k];
        if (typeof v === 'number' && !Number.isNaN(v)) nums[c]![i] = v;
        else {
          nums[c]![i] = NaN;
          if (has(r, k)) put(i, k, v);
        }
      });
      s.bools.forEach((k, c) => {
        const v = r[k];
        if (typeof v === 'boolean') bools[c]![i] = v ? 1 : 0;
        else {
          bools[c]![i] = 2;
          if (has(r, k)) put(i, k, v);
        }
      });
      s.strings.forEach((k, c) => {
        const v = r[k];
        if (typeof v === 'string') {
          strs[c]![i] = v;
          anyStr[c] = true;
        } else if (has(r, k)) put(i, k, v);
      });
      s.json.forEach((k, c) => {
        const v = r[k];
        if (v !== null && typeof v === 'object') {
          jsons[c]![i] = v;
          anyJson[c] = true;
        } else if (has(r, k)) put(i, k, v);
      });
      for (const k of Object.keys(r)) if (!known.has(k)) put(i, k, r[k]);
    }
  }
  s.numbers.forEach((k, c) => w.add(`${prefix}.${k}`, nums[c]!));
  s.bools.forEach((k, c) => w.add(`${prefix}.${k}`, bools[c]!));
  s.strings.forEach((k, c) => {
    if (anyStr[c]) w.strings(`${prefix}.${k}`, strs[c]!);
  });
  s.json.forEach((k, c) => {
    if (anyJson[c]) w.columns[`${prefix}.${k}`] = jsons[c]!;
  });
  if (anyExtra) w.columns[`${prefix}.extra`] = extra;
}

/** A table's columns as read, ready to make its rows (see {@link decodeTable}, {@link rowMaker}). */
interface TableColumns {
  nums: (readonly [string, Float64Array])[];
  bools: (readonly [string, Uint8Array])[];
  strs: (readonly [string, unknown[] | undefined])[];
  jsons: (readonly [string, unknown[] | undefined])[];
  extra: unknown[] | undefined;
  /** The core fields' columns, when every row has each (see {@link coreColumns}). */
  core: ArrayLike<unknown>[] | undefined;
  /** The fields the core literal makes. */
  made: ReadonlySet<string>;
}

/**
 * A table's columns, read. `texts`: string columns given instead of read (the memories' texts,
 * made when a record is: {@link memoryColumns}).
 */
function tableColumns(
  r: Reader,
  prefix: string,
  n: number,
  s: TableSchema,
  texts: ReadonlyMap<string, unknown[]> = new Map(),
): TableColumns {
  const nums = s.numbers.map((k) => [k, r.f64(`${prefix}.${k}`, n)] as const);
  const bools = s.bools.map((k) => [k, r.u8(`${prefix}.${k}`, n)] as const);
  const strs = s.strings.map((k) => [k, texts.get(k) ?? r.column(`${prefix}.${k}`, n)] as const);
  const jsons = s.json.map((k) => [k, r.column(`${prefix}.${k}`, n)] as const);
  const extra = r.column(`${prefix}.extra`, n);
  const core = s.core && coreColumns(s.core.keys, { strs, jsons, nums, bools });
  return { nums, bools, strs, jsons, extra, core, made: new Set(core ? s.core!.keys : []) };
}

/** Reads a table's rows back (fields in schema order, then the extra ones). */
function decodeTable<T>(r: Reader, prefix: string, n: number, s: TableSchema): T[] {
  const { nums, bools, strs, jsons, extra, core, made } = tableColumns(r, prefix, n, s);
  const out = new Array<Record<string, unknown>>(n);
  if (core) for (let i = 0; i < n; i++) out[i] = s.core!.make(core, i);
  else for (let i = 0; i < n; i++) out[i] = {};
  // Then column by column (each inner loop stores one key: its store stays monomorphic), in
  // the order a row by row pass would add them, so each record's keys come in the same order.
  for (const [k, col] of strs)
    if (col && !made.has(k))
      for (let i = 0; i < n; i++) {
        const v = col[i];
        if (v !== 0) out[i]![k] = v;
      }
  for (const [k, col] of jsons)
    if (col && !made.has(k))
      for (let i = 0; i < n; i++) {
        const v = col[i];
        if (v !== 0) out[i]![k] = v;
      }
  for (const [k, col] of nums)
    if (!made.has(k))
      for (let i = 0; i < n; i++) {
        const v = col[i]!;
        if (!Number.isNaN(v)) out[i]![k] = v;
      }
  for (const [k, col] of bools)
    if (!made.has(k)) for (let i = 0; i < n; i++) if (col[i]! < 2) out[i]![k] = col[i] === 1;
  if (extra)
    for (let i = 0; i < n; i++) {
      const e = extra[i];
      if (e && typeof e === 'object') Object.assign(out[i]!, e);
    }
  return out as T[];
}

/**
 * One row of a table at a time, field for field as {@link decodeTable} makes it (the same
 * keys in the same order), for a table whose rows all have the core fields.
 */
function rowMaker(t: TableColumns, s: TableSchema): (i: number) => Record<string, unknown> {
  const { core, made } = t;
  const strs = t.strs.filter(([k, col]) => col && !made.has(k)) as [string, unknown[]][];
  const jsons = t.jsons.filter(([k, col]) => col && !made.has(k)) as [string, unknown[]][];
  const nums = t.nums.filter(([k]) => !made.has(k));
  const bools = t.bools.filter(([k]) => !made.has(k));
  const { extra } = t;
  return (i) => {
    const out = s.core!.make(core!, i);
    for (const [k, col] of strs) if (col[i] !== 0) out[k] = col[i];
    for (const [k, col] of jsons) if (col[i] !== 0) out[k] = col[i];
    for (const [k, col] of nums) if (!Number.isNaN(col[i]!)) out[k] = col[i];
    for (const [k, col] of bools) if (col[i]! < 2) out[k] = col[i] === 1;
    const e = extra?.[i];
    if (e && typeof e === 'object') Object.assign(out, e);
    return out;
  };
}

/** A checkpoint's memories in columns, each record made when read (see `RecordTable`). */
export interface RecordColumns {
  /** Rows. */
  readonly n: number;
  /** Each row's memory id. */
  readonly ids: readonly string[];
  /** Each row's vector slot. */
  readonly slots: ArrayLike<number>;
  /** Each row's state (`'active'`, …). */
  readonly states: readonly unknown[];
  /** Each row's text length in UTF-16 units. */
  readonly textLengths: ArrayLike<number>;
  /** Each row's userId, agentId and runId (0 where it has none; undefined: no row has one). */
  readonly scopes: {
    readonly userId?: readonly unknown[] | undefined;
    readonly agentId?: readonly unknown[] | undefined;
    readonly runId?: readonly unknown[] | undefined;
  };
  /** A row's record, as {@link decodeTable} makes it (a new object each call). */
  make(row: number): MemoryRecord;
}

/**
 * The memories' table left in its columns, its texts' bytes not decoded: a record (and its
 * text) is made when read. The texts are ≈ half of a checkpoint's bytes, and 100k records
 * made and collected at every open ≈ 0.1 s. Undefined where the columns do not allow it (texts
 * written as JSON, a row without a text or another core field): the caller decodes the table.
 * @throws Error when the text sections do not agree (a damaged or foreign checkpoint)
 */
function memoryColumns(r: Reader, n: number): RecordColumns | undefined {
  const name = 'memories.text';
  if (!MEMORY.core || !r.has(`${name}.kind`)) return undefined;
  const texts = lazyText(
    r.u8(`${name}.kind`, n),
    r.u32(`${name}.len`, n),
    r.u8(`${name}.ascii`),
    r.u8(`${name}.utf8`),
  );
  if (!texts) return undefined;
  const t = tableColumns(r, 'memories', n, MEMORY, new Map([['text', texts.column]]));
  if (!t.core) return undefined;
  const row = rowMaker(t, MEMORY);
  const str = (k: string) => t.strs.find(([f]) => f === k)![1];
  const ids = str('id');
  const states = str('state');
  if (!ids?.every((id) => typeof id === 'string') || !states) return undefined;
  return {
    n,
    ids: ids as string[],
    slots: t.nums.find(([f]) => f === 'slot')![1],
    states,
    textLengths: texts.lengths,
    scopes: { userId: str('userId'), agentId: str('agentId'), runId: str('runId') },
    make: (i) => {
      texts.make(i);
      return row(i) as unknown as MemoryRecord;
    },
  };
}

/**
 * A text column ({@link encodeText}) whose strings are made one at a time: `column[i]` is set
 * by `make(i)` (ASCII texts decoded from their bytes then; the few others decoded at once).
 * Undefined when a row has no text.
 * @throws Error when the sections do not agree
 */
function lazyText(
  kind: Uint8Array,
  len: Uint32Array,
  asciiBytes: Uint8Array,
  utf8Bytes: Uint8Array,
): { column: unknown[]; lengths: Uint32Array; make: (i: number) => void } | undefined {
  const n = kind.length;
  const at = new Float64Array(n);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const k = kind[i]!;
    if (k === 0) return undefined;
    if (k === 1) {
      at[i] = a;
      a += len[i]!;
    } else if (k === 2) {
      at[i] = b;
      b += len[i]!;
    } else throw new Error('a text kind is unknown');
  }
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });
  const other = decoder.decode(utf8Bytes);
  if (a !== asciiBytes.length || b !== other.length)
    throw new Error('text lengths differ from runs');
  if (!isAscii(asciiBytes)) throw new Error('an ASCII text run is not ASCII');
  const column = new Array<unknown>(n);
  return {
    column,
    lengths: len,
    make: (i) => {
      if (column[i] !== undefined) return;
      const from = at[i]!;
      const to = from + len[i]!;
      column[i] =
        kind[i] === 1 ? decoder.decode(asciiBytes.subarray(from, to)) : other.slice(from, to);
    },
  };
}

/** Whether every byte is below 128. */
function isAscii(bytes: Uint8Array): boolean {
  const head = Math.min(bytes.length, (4 - (bytes.byteOffset % 4)) % 4);
  let or = 0;
  for (let i = 0; i < head; i++) or |= bytes[i]!;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + head, (bytes.length - head) >>> 2);
  // 64 KiB per call: optimised sooner than one long loop (as `stripes` in checksum.ts).
  for (let i = 0; i < words.length; i += 16384)
    or |= orOf(words, i, Math.min(words.length, i + 16384));
  for (let i = head + words.length * 4; i < bytes.length; i++) or |= bytes[i]!;
  return (or & 0x80808080) === 0;
}

/** The OR of `words[from..to)`. */
function orOf(words: Uint32Array, from: number, to: number): number {
  let or = 0;
  for (let i = from; i < to; i++) or |= words[i]!;
  return or;
}

/**
 * The columns of `keys` in that order when every row has a value in each (a string or JSON
 * column holds no 0, a number column no NaN, a boolean one only 0 and 1); else undefined.
 */
function coreColumns(
  keys: readonly string[],
  t: {
    strs: readonly (readonly [string, unknown[] | undefined])[];
    jsons: readonly (readonly [string, unknown[] | undefined])[];
    nums: readonly (readonly [string, Float64Array])[];
    bools: readonly (readonly [string, Uint8Array])[];
  },
): ArrayLike<unknown>[] | undefined {
  const out: ArrayLike<unknown>[] = [];
  for (const k of keys) {
    const named = <C>(list: readonly (readonly [string, C])[]) => list.find(([f]) => f === k);
    const str = named(t.strs) ?? named(t.jsons);
    const num = named(t.nums);
    const bool = named(t.bools);
    if (str) {
      const col = str[1] as unknown[] | undefined;
      if (!col || col.includes(0)) return undefined;
      out.push(col);
    } else if (num) {
      const col = num[1];
      for (let i = 0; i < col.length; i++) if (col[i] !== col[i]) return undefined; // NaN
      out.push(col);
    } else if (bool) {
      const col = bool[1];
      for (let i = 0; i < col.length; i++) if (col[i]! > 1) return undefined;
      out.push(col);
    } else return undefined;
  }
  return out;
}

/** Whether term counts fit the columns: `[term, count]` pairs of a string and a u32. */
function countsFit(terms: unknown): terms is [string, number][] {
  return (
    Array.isArray(terms) &&
    terms.every(
      (t) =>
        Array.isArray(t) &&
        t.length === 2 &&
        typeof t[0] === 'string' &&
        Number.isInteger(t[1]) &&
        (t[1] as number) >= 0 &&
        (t[1] as number) < 2 ** 32,
    )
  );
}

/** Whether a lexical row has the shape the columns hold (else it is kept whole, as JSON). */
function rowFits(r: LexicalRow): boolean {
  const keys = Object.keys(r);
  const allowed = new Set(['id', 'v', 'terms', 'dates', 'passages', 'info']);
  return (
    keys.every((k) => allowed.has(k)) &&
    typeof r.id === 'string' &&
    Number.isInteger(r.v) &&
    r.v >= 0 &&
    r.v < 2 ** 32 &&
    countsFit(r.terms) &&
    countsFit(r.dates) &&
    typeof r.info === 'object' &&
    r.info !== null &&
    (!has(r, 'passages') ||
      (Array.isArray(r.passages) &&
        r.passages.every(
          (p) => Array.isArray(p) && p.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32),
        )))
  );
}

/**
 * Lexical rows: terms and dates as numbers into one dictionary; passages as offsets. A generator
 * that yields after every `slice` rows of each pass.
 * @returns how many rows went into the columns (the others are kept whole)
 */
function* encodeLexical(
  w: Writer,
  rows: readonly LexicalRow[],
  slice: number,
  memories: readonly MemoryRecord[] | undefined,
): Generator<void, number> {
  const dict = new Map<string, number>();
  const fit: LexicalRow[] = [];
  const raw: [number, LexicalRow][] = [];
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && i % slice === 0) yield;
    const r = rows[i]!;
    if (rowFits(r)) fit.push(r);
    else raw.push([i, r]);
  }
  const termOf = (t: string) => {
    let id = dict.get(t);
    if (id === undefined) dict.set(t, (id = dict.size));
    return id;
  };
  const made: [key: string, start: Uint32Array, ids: Uint32Array, counts: Uint32Array][] = [];
  function* pairs(key: 'terms' | 'dates'): Generator<void, void> {
    const total = fit.reduce((s, r) => s + r[key].length, 0);
    const ids = new Uint32Array(total);
    const counts = new Uint32Array(total);
    const start = new Uint32Array(fit.length + 1);
    let j = 0;
    for (let i = 0; i < fit.length; i++) {
      if (i > 0 && i % slice === 0) yield;
      start[i] = j;
      for (const [t, c] of fit[i]![key]) {
        ids[j] = termOf(t);
        counts[j++] = c;
      }
    }
    start[fit.length] = j;
    made.push([key, start, ids, counts]);
  }
  yield* pairs('terms');
  yield* pairs('dates');
  // Layout 2: the narrowest type that holds them all (the dictionary is complete only now).
  // (`new Uint16Array(ids)` copies natively; `Uint16Array.from` iterates: 0.2 s at 100k.)
  for (const [key, start, ids, counts] of made) {
    yield;
    w.add(`lexical.${key}.start`, start);
    if (memories && dict.size <= 0x10000) w.add(`lexical.${key}.ids16`, new Uint16Array(ids));
    else w.add(`lexical.${key}.ids`, ids);
    if (memories && allBelow(counts, 0x100))
      w.add(`lexical.${key}.counts8`, new Uint8Array(counts));
    else w.add(`lexical.${key}.counts`, counts);
  }
  yield;
  // passages: per row its first passage (no passages: start = end, and `hasPassages` 0).
  const hasPassages = new Uint8Array(fit.length);
  const pStart = new Uint32Array(fit.length + 1);
  const flat: number[][] = [];
  for (let i = 0; i < fit.length; i++) {
    if (i > 0 && i % slice === 0) yield;
    const r = fit[i]!;
    pStart[i] = flat.length;
    if (r.passages) {
      hasPassages[i] = 1;
      for (const p of r.passages) flat.push(p);
    }
  }
  pStart[fit.length] = flat.length;
  const wStart = new Uint32Array(flat.length + 1);
  let words = 0;
  flat.forEach((p, i) => {
    wStart[i] = words;
    words += p.length;
  });
  wStart[flat.length] = words;
  const idx = new Uint32Array(words);
  let k = 0;
  for (const p of flat) for (const x of p) idx[k++] = x;
  w.add('lexical.passages.has', hasPassages);
  w.add('lexical.passages.start', pStart);
  w.add('lexical.passages.words', wStart);
  // (16-bit when they fit, as a text's terms do below 65,536: 23 → 11 MB at 100k memories.)
  if (w.layout >= 3 && allBelow(idx, 0x10000))
    w.add('lexical.passages.idx16', new Uint16Array(idx));
  else w.add('lexical.passages.idx', idx);
  if (w.layout >= 3) {
    // The BM25 postings of every row's documents, ready for an open to index (see `postings`).
    const pairsOf = (key: string): TermPairs => {
      const [, start, ids, counts] = made.find(([k]) => k === key)!;
      return { start, ids, counts };
    };
    const c = {
      n: fit.length,
      terms: pairsOf('terms'),
      dates: pairsOf('dates'),
      passages: { has: hasPassages, start: pStart, words: wStart, idx },
    };
    const docs = yield* columnDocs(c, allRows(fit.length), dict.size, slice);
    const p = yield* invertDocs(docs, dict.size, slice);
    w.add('lexical.bm25.start', p.start);
    w.add('lexical.bm25.docs', p.docs);
    w.add(p.tfs instanceof Uint8Array ? 'lexical.bm25.tfs8' : 'lexical.bm25.tfs', p.tfs);
    w.add('lexical.bm25.len', p.len);
  }
  w.add(
    'lexical.v',
    Uint32Array.from(fit, (r) => r.v),
  );
  yield;
  if (memories) {
    // Layout 2: the memory's number in `memories`; the id itself only for a row of none.
    const at = new Map<unknown, number>();
    memories.forEach((m, i) => {
      if (typeof m.id === 'string' && !at.has(m.id)) at.set(m.id, i);
    });
    const memoryAt = Uint32Array.from(fit, (r) => at.get(r.id) ?? NOT_A_MEMORY);
    w.add('lexical.memoryAt', memoryAt);
    if (memoryAt.includes(NOT_A_MEMORY))
      w.strings(
        'lexical.id',
        fit.map((r, i) => (memoryAt[i] === NOT_A_MEMORY ? r.id : 0)),
      );
  } else
    w.strings(
      'lexical.id',
      fit.map((r) => r.id),
    );
  yield;
  w.strings('lexical.dict', [...dict.keys()]);
  w.columns['lexical.raw'] = raw;
  yield* encodeTable(
    w,
    'lexical.info',
    fit.map((r) => r.info),
    INFO,
    slice,
  );
  return fit.length;
}

/** Row numbers 0..n-1. */
function allRows(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Whether every value is below `limit`. */
function allBelow(values: Uint32Array, limit: number): boolean {
  for (let i = 0; i < values.length; i++) if (values[i]! >= limit) return false;
  return true;
}

/** The lexical rows held in columns, as columns (see `lexical-columns.ts`). */
function decodeLexical(r: Reader, n: number, memoryIds: unknown[] | undefined): LexicalColumns {
  const pairs = (key: 'terms' | 'dates'): TermPairs => {
    const ids = r.has(`lexical.${key}.ids16`)
      ? r.u16(`lexical.${key}.ids16`)
      : r.u32(`lexical.${key}.ids`);
    return {
      start: r.u32(`lexical.${key}.start`, n + 1),
      ids,
      counts: r.has(`lexical.${key}.counts8`)
        ? r.u8(`lexical.${key}.counts8`, ids.length)
        : r.u32(`lexical.${key}.counts`, ids.length),
    };
  };
  const columns: LexicalColumns = {
    n,
    dict: (r.column('lexical.dict') ?? []) as string[],
    ids: lexicalIds(r, n, memoryIds),
    ...(memoryIds && r.has('lexical.memoryAt') ? { memoryAt: r.u32('lexical.memoryAt', n) } : {}),
    v: r.u32('lexical.v', n),
    terms: pairs('terms'),
    dates: pairs('dates'),
    passages: {
      has: r.u8('lexical.passages.has', n),
      start: r.u32('lexical.passages.start', n + 1),
      words: r.u32('lexical.passages.words'),
      idx: r.has('lexical.passages.idx16')
        ? r.u16('lexical.passages.idx16')
        : r.u32('lexical.passages.idx'),
    },
    info: decodeTable<DocInfo>(r, 'lexical.info', n, INFO),
  };
  checkColumns(columns);
  if (r.has('lexical.bm25.start')) {
    const postings = {
      start: r.u32('lexical.bm25.start'),
      docs: r.u32('lexical.bm25.docs'),
      tfs: r.has('lexical.bm25.tfs8') ? r.u8('lexical.bm25.tfs8') : r.u32('lexical.bm25.tfs'),
      len: r.u32('lexical.bm25.len'),
    };
    checkPostings(postings, columns.dict.length, docCount(columns));
    columns.postings = postings;
  }
  return columns;
}

/**
 * The memory id of each lexical row: layout 1 holds them as strings; layout 2 as the memory's
 * number in `memories` (the id string shared with that record), a string only for a row of none.
 */
function lexicalIds(r: Reader, n: number, memoryIds: unknown[] | undefined): string[] {
  const own = r.column('lexical.id', n);
  if (!r.has('lexical.memoryAt')) return (own ?? []) as string[];
  const at = r.u32('lexical.memoryAt', n);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const id = at[i] === NOT_A_MEMORY ? own?.[i] : memoryIds?.[at[i]!];
    if (typeof id !== 'string') throw new Error('a lexical row names no memory');
    out[i] = id;
  }
  return out;
}

/** Lexical rows back, in the order they were encoded: `total` rows, `columns` and the raw ones. */
function joinRows(
  columns: LexicalColumns,
  raw: readonly [number, LexicalRow][],
  total: number,
): LexicalRow[] {
  const out: LexicalRow[] = [];
  let f = 0;
  let q = 0;
  for (let i = 0; i < total; i++) out.push(raw[q]?.[0] === i ? raw[q++]![1] : rowAt(columns, f++));
  return out;
}

/**
 * The checkpoint's records as bytes (format 3).
 * @param seq - log position, written into the bytes (and checked against the head on reading)
 * @param data - the records
 * @param layout - 3 (the default); 1 or 2 (as written before: tests and benches)
 */
export function encodeColumns(
  seq: number,
  data: CheckpointData,
  layout: ColumnsLayout = COLUMNS_LAYOUT,
): Uint8Array<ArrayBuffer> {
  return runAll(encodeColumnSteps(seq, data, Infinity, layout));
}

/**
 * {@link encodeColumns} in slices: a generator that yields after every `slice` records of each
 * pass (and every `slice` values of each text column), so that a caller can give the thread back
 * between two (the idle checkpoint, `checkpoint-io.ts`). The bytes are the same for any `slice`.
 * @param seq - log position, written into the bytes
 * @param data - the records
 * @param slice - records per step
 * @param layout - 3 (the default); 1 or 2 (as written before: tests and benches)
 * @returns (as the generator's value) the bytes
 */
export function* encodeColumnSteps(
  seq: number,
  data: CheckpointData,
  slice: number,
  layout: ColumnsLayout = COLUMNS_LAYOUT,
): Generator<void, Uint8Array<ArrayBuffer>> {
  const w = new Writer(layout);
  yield* encodeTable(w, 'memories', data.memories, MEMORY, slice);
  yield* encodeTable(w, 'versions', data.versions, MEMORY, slice);
  yield* encodeTable(w, 'links', data.links, LINK, slice);
  const lexicalColumns = yield* encodeLexical(
    w,
    data.lexical,
    slice,
    layout >= 2 ? data.memories : undefined,
  );
  for (const { name, values } of w.texts) yield* encodeText(w, name, values, slice);
  const counts = {
    memories: data.memories.length,
    versions: data.versions.length,
    links: data.links.length,
    lexical: data.lexical.length,
    lexicalColumns,
  };
  // Sections laid out after the directory; offsets fixed once the directory's length is known.
  const sections: Section[] = [];
  let at = 0;
  for (const { name, data: a } of w.arrays) {
    const type =
      a instanceof Float64Array
        ? 'f64'
        : a instanceof Uint32Array
          ? 'u32'
          : a instanceof Uint16Array
            ? 'u16'
            : 'u8';
    const bytes = sectionBytes(a);
    const length = Array.isArray(a) ? bytes : (a as Typed).length;
    sections.push({ name, type, offset: at, length });
    at += Math.ceil(bytes / 8) * 8;
  }
  const dir: Directory = { seq, counts, columns: w.columns, sections };
  const json = yield* directoryJson(dir, slice);
  const base = Math.ceil((12 + json.length) / 8) * 8;
  const out = new Uint8Array(base + at);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, layout, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  // Copied a step per COPY_PIECE bytes (at 100k memories one copy of all held the thread 0.3 s).
  let copied = 0;
  for (let i = 0; i < w.arrays.length; i++) {
    let to = base + sections[i]!.offset;
    const a = w.arrays[i]!.data;
    for (const run of Array.isArray(a) ? (a as readonly Uint8Array[]) : [a as Typed]) {
      const bytes = new Uint8Array(run.buffer, run.byteOffset, run.byteLength);
      for (let from = 0; from < bytes.length; from += COPY_PIECE) {
        const piece = bytes.subarray(from, from + COPY_PIECE);
        out.set(piece, to);
        to += piece.length;
        copied += piece.length;
        if (copied >= COPY_PIECE) {
          copied = 0;
          yield;
        }
      }
    }
  }
  // The directory's offsets are relative to `base`; the reader adds it.
  return out;
}

/**
 * `JSON.stringify(dir)` as UTF-8, its column arrays written `slice` values at a time (the same
 * bytes: pieces end between two values, and lone surrogates come out escaped).
 */
function* directoryJson(dir: Directory, slice: number): Generator<void, Uint8Array> {
  const text: string[] = [
    `{"seq":${JSON.stringify(dir.seq)},"counts":${JSON.stringify(dir.counts)},"columns":{`,
  ];
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  const flush = () => {
    parts.push(encoder.encode(text.join('')));
    text.length = 0;
  };
  let c = 0;
  for (const [name, values] of Object.entries(dir.columns)) {
    text.push(`${c++ > 0 ? ',' : ''}${JSON.stringify(name)}:[`);
    for (let from = 0; from < values.length; from += slice) {
      const json = JSON.stringify(values.slice(from, from + slice));
      text.push(from > 0 ? ',' : '', json.slice(1, -1));
      flush();
      yield;
    }
    text.push(']');
  }
  text.push(`},"sections":${JSON.stringify(dir.sections)}}`);
  flush();
  return concat(parts);
}

/** Reads columns out of the bytes (views, not copies, where aligned). */
class Reader {
  private readonly byName = new Map<string, Section>();
  constructor(
    private readonly bytes: Uint8Array<ArrayBuffer>,
    private readonly base: number,
    readonly dir: Directory,
  ) {
    for (const s of dir.sections) this.byName.set(s.name, s);
  }
  private typed(name: string, type: Section['type'], length?: number): Typed {
    const s = this.byName.get(name);
    if (!s || s.type !== type || (length !== undefined && s.length !== length))
      throw new Error(`column ${name} is missing or of the wrong size`);
    const size = type === 'f64' ? 8 : type === 'u32' ? 4 : type === 'u16' ? 2 : 1;
    const start = this.bytes.byteOffset + this.base + s.offset;
    if (this.base + s.offset + s.length * size > this.bytes.length)
      throw new Error(`column ${name} runs past the end`);
    const C =
      type === 'f64'
        ? Float64Array
        : type === 'u32'
          ? Uint32Array
          : type === 'u16'
            ? Uint16Array
            : Uint8Array;
    return new C(this.bytes.buffer, start, s.length);
  }
  f64(name: string, length?: number): Float64Array {
    return this.typed(name, 'f64', length) as Float64Array;
  }
  u32(name: string, length?: number): Uint32Array {
    return this.typed(name, 'u32', length) as Uint32Array;
  }
  u16(name: string, length?: number): Uint16Array {
    return this.typed(name, 'u16', length) as Uint16Array;
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  u8(name: string, length?: number): Uint8Array {
    return this.typed(name, 'u8', length) as Uint8Array;
  }
  private readonly texts = new Map<string, unknown[]>();
  column(name: string, length?: number): unknown[] | undefined {
    let c: unknown = this.dir.columns[name];
    if (c === undefined && this.has(`${name}.kind`)) {
      c = this.texts.get(name);
      if (c === undefined) {
        const read = decodeText(
          this.u8(`${name}.kind`),
          this.u32(`${name}.len`),
          this.u8(`${name}.ascii`),
          this.u8(`${name}.utf8`),
        );
        this.texts.set(name, read);
        c = read;
      }
    }
    if (c === undefined) return undefined;
    if (!Array.isArray(c) || (length !== undefined && c.length !== length))
      throw new Error(`column ${name} is of the wrong size`);
    return c;
  }
}

/** A decoded checkpoint whose lexical rows may still be in columns. */
export interface DecodedCheckpoint extends CheckpointData {
  /**
   * The lexical rows held in columns, when they were left there (`lazyLexical`); `lexical` then
   * holds only the rows kept whole (those the columns could not hold).
   */
  lexicalColumns?: LexicalColumns;
  /**
   * The memories held in columns, when they were left there (`lazyMemories`): `memories` is
   * then empty.
   */
  memoryColumns?: RecordColumns;
}

/**
 * The checkpoint's records from its bytes (format 3).
 * @param bytes - what {@link encodeColumns} made (its buffer 8-byte aligned at `byteOffset`)
 * @param lazyLexical - leave the lexical rows that are in columns there (`lexicalColumns`)
 *   instead of making a `LexicalRow` object of each
 * @param lazyMemories - leave the memories in their columns where they can be
 *   (`memoryColumns`) instead of making a record of each
 * @returns the records and the log position written into them
 * @throws Error when the bytes are not such columns (the caller falls back to the records)
 */
export function decodeColumns(
  bytes: Uint8Array<ArrayBuffer>,
  lazyLexical = false,
  lazyMemories = false,
): {
  seq: number;
  data: DecodedCheckpoint;
} {
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || view.getUint32(0, true) !== MAGIC)
    throw new Error('not checkpoint columns');
  const layout = view.getUint32(4, true);
  if (layout !== 1 && layout !== 2 && layout !== 3)
    throw new Error(`checkpoint columns of layout ${layout}`);
  const len = view.getUint32(8, true);
  if (12 + len > bytes.length) throw new Error('directory runs past the end');
  const dir = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as Directory;
  const r = new Reader(bytes, Math.ceil((12 + len) / 8) * 8, dir);
  const c = dir.counts;
  const lexicalColumns = decodeLexical(
    r,
    c.lexicalColumns!,
    layout >= 2 ? r.column('memories.id', c.memories!) : undefined,
  );
  const raw = (r.column('lexical.raw') ?? []) as [number, LexicalRow][];
  if (raw.length + lexicalColumns.n !== c.lexical) throw new Error('lexical row counts differ');
  const lazy = lazyMemories ? memoryColumns(r, c.memories!) : undefined;
  return {
    seq: dir.seq,
    data: {
      ...(lazy
        ? { memories: [], memoryColumns: lazy }
        : { memories: decodeTable<MemoryRecord>(r, 'memories', c.memories!, MEMORY) }),
      versions: decodeTable<MemoryRecord>(r, 'versions', c.versions!, MEMORY),
      links: decodeTable<LinkRecord>(r, 'links', c.links!, LINK),
      ...(lazyLexical
        ? { lexical: raw.map(([, row]) => row), lexicalColumns }
        : { lexical: joinRows(lexicalColumns, raw, c.lexical!) }),
    },
  };
}
