// import(): JSON Lines written by export(), into an empty store (the log is
// copied as it is, checked, and every derived store replayed from it) or
// merged into a store that has memories (new ids only, as `memory.imported`).
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import { IMPORT_OPTIONS } from '../engine/option-names';
import { checkOptionNames } from '../engine/validate';
import { verifyChain } from '../store/event-log';
import {
  isTombstone,
  type EventRecord,
  type LinkRecord,
  type MemoryRecord,
} from '../store/records';
import type { NewEvent } from '../store/event-log';
import { RecordCipher } from '../store/cipher';
import { checkSecret, unwrapDataKey, type EncryptionSecret } from '../store/data-key';
import {
  decodeLine,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  exportWhere,
  type ExportHeader,
} from './export';
import { vectorBytes } from './record-ops';
import { replay } from './replay';

/** Where import reads lines from: JSONL text, lines, or a stream of text chunks. */
export type ImportSource =
  string | Iterable<string> | AsyncIterable<string> | ReadableStream<string>;

/** Options of `import`. */
export interface ImportOptions {
  /** `'empty'` (default): the store must be empty; `'merge'`: add memories whose ids are new. */
  mode?: 'empty' | 'merge';
  /** Called as lines are read and when the write is done. */
  onProgress?: (p: { done: number; total: number }) => void;
  /** Opens an encrypted export: the passphrase or key of the store it was exported from. */
  encryption?: EncryptionSecret;
}

/** What `import` did. */
export interface ImportResult {
  mode: 'empty' | 'merge';
  /** Memories now in the store from the file. */
  imported: number;
  /** Memories skipped because their id exists (merge). */
  skipped: number;
  /** Events written. */
  events: number;
}

function isStream(source: unknown): source is ReadableStream<unknown> {
  return typeof ReadableStream !== 'undefined' && source instanceof ReadableStream;
}

async function* chunksOf(source: ImportSource): AsyncGenerator<string> {
  if (typeof source === 'string') yield source;
  else if (isStream(source)) {
    const reader = source.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } else if (Symbol.asyncIterator in source || Symbol.iterator in source) {
    for await (const line of source as AsyncIterable<unknown>) {
      if (typeof line !== 'string') throw new EngramError('InvalidImport', 'lines must be strings');
      yield `${line}\n`;
    }
  } else throw new EngramError('InvalidArgument', 'import takes JSONL text, lines or a stream');
}

/** Splits chunks into non-empty lines. */
async function* linesOf(source: ImportSource): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of chunksOf(source)) {
    if (typeof chunk !== 'string') throw new EngramError('InvalidImport', 'lines must be strings');
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const p of parts) if (p.trim()) yield p;
  }
  if (rest.trim()) yield rest;
}

interface Parsed {
  header: ExportHeader;
  memories: MemoryRecord[];
  links: LinkRecord[];
  events: (EventRecord & { vectorOmitted?: true })[];
}

async function parse(
  source: ImportSource,
  onProgress: ImportOptions['onProgress'],
  secret: EncryptionSecret | undefined,
): Promise<Parsed> {
  const out: Parsed = { header: undefined!, memories: [], links: [], events: [] };
  let n = 0;
  let total = 0;
  let cipher: RecordCipher | undefined;
  for await (const line of linesOf(source)) {
    n++;
    let v: { kind?: unknown; record?: unknown; event?: unknown };
    try {
      v = decodeLine(cipher ? await openLine(cipher, out.header, line, n) : line) as typeof v;
    } catch (e) {
      if (e instanceof EngramError) throw e;
      throw new EngramError('InvalidImport', `line ${n} is not JSON`, {
        cause: e,
        details: { line: n },
      });
    }
    const bad = (why: string) =>
      new EngramError('InvalidImport', `line ${n}: ${why}`, { details: { line: n } });
    if (n === 1) {
      const h = v as Partial<ExportHeader>;
      if (h?.kind !== 'header' || h.format !== EXPORT_FORMAT)
        throw bad('not an Engram export header');
      if (typeof h.version !== 'number' || h.version > EXPORT_VERSION)
        throw bad(`format version ${String(h.version)} is newer than ${EXPORT_VERSION}`);
      out.header = h as ExportHeader;
      const c = out.header.counts;
      total = 1 + c.memories + c.versions + c.links + c.events;
      if (h.encryption) {
        if (!secret)
          throw new EngramError('Encrypted', 'The export is encrypted: pass encryption to import');
        cipher = new RecordCipher(await unwrapDataKey(h.encryption, secret));
      }
      continue;
    }
    if (v?.kind === 'memory') out.memories.push(v.record as MemoryRecord);
    else if (v?.kind === 'link') out.links.push(v.record as LinkRecord);
    else if (v?.kind === 'event') out.events.push(v.event as Parsed['events'][number]);
    else if (v?.kind !== 'version') throw bad(`unknown kind ${String(v?.kind)}`);
    if (n % 500 === 0) onProgress?.({ done: n, total });
  }
  if (!out.header) throw new EngramError('InvalidImport', 'the import is empty');
  if (cipher && n !== total)
    throw new EngramError('InvalidImport', `the export has ${n} lines, its header says ${total}`);
  return out;
}

/** The text of line `n` of an encrypted export. @throws `InvalidImport` when it does not open */
async function openLine(
  cipher: RecordCipher,
  header: ExportHeader,
  line: string,
  n: number,
): Promise<string> {
  const v = JSON.parse(line) as { kind?: unknown; data?: unknown };
  if (v?.kind !== 'sealed' || typeof v.data !== 'string')
    throw new EngramError('InvalidImport', `line ${n}: not a sealed line`, {
      details: { line: n },
    });
  try {
    return await cipher.openText(v.data, exportWhere(header.exportedAt, n));
  } catch (e) {
    throw new EngramError('InvalidImport', `line ${n} does not open (damaged or moved)`, {
      cause: e,
      details: { line: n },
    });
  }
}

/** Puts back vectors left out of the export by embedding the texts again. */
async function restoreVectors(core: EngineCore, events: Parsed['events']): Promise<void> {
  const missing = events.filter((e) => e.vectorOmitted && !isTombstone(e.payload));
  const vectors = await core.embed(
    missing.map((e) => (e.payload as { memory: MemoryRecord }).memory.text),
  );
  missing.forEach((e, i) => {
    delete e.vectorOmitted;
    e.payload = { ...e.payload, vector: vectorBytes(vectors[i]!) };
  });
}

/** Runs an import (see `Engine.import`). */
export async function importLines(
  core: EngineCore,
  source: ImportSource,
  options: ImportOptions = {},
): Promise<ImportResult> {
  checkOptionNames(options, IMPORT_OPTIONS, 'import');
  const mode = options?.mode ?? 'empty';
  if (mode !== 'empty' && mode !== 'merge')
    throw new EngramError('InvalidArgument', 'mode must be "empty" or "merge"');
  const onProgress = options?.onProgress;
  const secret = options?.encryption === undefined ? undefined : checkSecret(options.encryption);
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new EngramError('InvalidArgument', 'onProgress must be a function');
  if (
    typeof source !== 'string' &&
    (typeof source !== 'object' ||
      source === null ||
      !(Symbol.asyncIterator in source || Symbol.iterator in source || isStream(source)))
  )
    throw new EngramError('InvalidArgument', 'import needs JSONL text, lines or a stream');
  const p = await parse(source, onProgress, secret);
  const { embedderId, dim, vectors } = p.header;
  if (
    (vectors || mode === 'empty') &&
    (embedderId !== core.embedder.id || dim !== core.embedder.dim)
  )
    throw new EngramError('EmbedderMismatch', `the export was made with ${embedderId} (${dim}-d)`, {
      details: {
        stored: { id: core.embedder.id, dim: core.embedder.dim },
        given: { id: embedderId, dim },
      },
    });
  await restoreVectors(core, p.events);
  const total = p.events.length;
  if (mode === 'empty') {
    const check = await verifyChain(p.events);
    if (!check.ok)
      throw new EngramError('InvalidImport', `the exported log does not verify: ${check.reason}`, {
        details: { ...check },
      });
    const { state, nextSlot } = replay(p.events);
    await core.ready();
    await core.write(async () => {
      await core.store.importLog(p.events, state, nextSlot);
      await core.reload();
      return p.events.slice(-1);
    });
    onProgress?.({ done: total, total });
    return { mode, imported: state.memories.length, skipped: 0, events: total };
  }
  return merge(core, p, onProgress);
}

async function merge(
  core: EngineCore,
  p: Parsed,
  onProgress: ImportOptions['onProgress'],
): Promise<ImportResult> {
  const bySlot = new Map<number, ArrayBuffer>();
  for (const e of p.events)
    if (!isTombstone(e.payload) && e.payload.memory && e.payload.vector)
      bySlot.set(e.payload.memory.slot, e.payload.vector);
  await core.ready();
  let imported = 0;
  let skipped = 0;
  let written = 0;
  await core.write(async () => {
    const now = core.settings.clock();
    const fresh = p.memories.filter((m) => !core.state.records.has(m.id));
    skipped = p.memories.length - fresh.length;
    const vectorsOf = fresh.map((m) => bySlot.get(m.slot));
    const toEmbed = fresh.filter((_, i) => !vectorsOf[i]);
    const embedded = await core.embed(toEmbed.map((m) => m.text));
    let k = 0;
    let slot = core.store.reserveSlots(fresh.length);
    const memories: MemoryRecord[] = [];
    const vectors: { slot: number; vector: Float32Array }[] = [];
    const events: NewEvent[] = [];
    fresh.forEach((m, i) => {
      const vector = vectorsOf[i] ? new Float32Array(vectorsOf[i]!.slice(0)) : embedded[k++]!;
      const rec: MemoryRecord = { ...m, slot: slot++ };
      memories.push(rec);
      vectors.push({ slot: rec.slot, vector });
      events.push({
        type: 'memory.imported',
        memoryId: rec.id,
        at: now,
        actor: 'import',
        payload: { memory: rec, vector: vectorBytes(vector) },
      });
    });
    const ids = new Set([...core.state.records.keys(), ...fresh.map((m) => m.id)]);
    const isNew = new Set(fresh.map((m) => m.id));
    const links: LinkRecord[] = [];
    for (const l of p.links)
      if (
        l.from < l.to &&
        ids.has(l.from) &&
        ids.has(l.to) &&
        (isNew.has(l.from) || isNew.has(l.to))
      ) {
        links.push({ from: l.from, to: l.to, score: l.score, at: now });
        links.push({ from: l.to, to: l.from, score: l.score, at: now });
        events.push({
          type: 'memory.linked',
          memoryId: l.from,
          at: now,
          actor: 'import',
          payload: { links: [{ from: l.from, to: l.to, score: l.score }] },
        });
      }
    imported = fresh.length;
    written = events.length;
    if (!events.length) return [];
    return core.commit({ memories, vectors, links, events });
  });
  onProgress?.({ done: p.events.length, total: p.events.length });
  return { mode: 'merge', imported, skipped, events: written };
}
