// export(): the store as versioned JSON Lines — a header, then memories,
// past versions, links and the whole event log (vectors inside the events,
// base64 of their Float32 bytes, unless `vectors: false`).
import type { EngineCore } from '../engine/core';
import { fromBase64, toBase64 } from '../store/bytes';
import type { EncryptionHeader } from '../store/data-key';
import { isTombstone, type EventRecord } from '../store/records';

/** Format name and version written in the header line. */
export const EXPORT_FORMAT = 'engram-jsonl';
/** Bump when the line format changes; `import` refuses versions it does not know. */
export const EXPORT_VERSION = 1;

/** The first line of an export. */
export interface ExportHeader {
  kind: 'header';
  format: typeof EXPORT_FORMAT;
  version: number;
  embedderId: string;
  dim: number;
  /** False when vectors were left out (import then re-embeds the texts). */
  vectors: boolean;
  exportedAt: number;
  counts: { memories: number; versions: number; links: number; events: number };
  /**
   * An encrypted export: the store's wrapped data key. Every other line is then
   * `{ kind: 'sealed', data }`, the line sealed under that key and bound to `exportedAt`
   * and its line number (the string `export:<exportedAt>:<n>`, n from 2).
   */
  encryption?: EncryptionHeader;
}

/** What the seal of line `n` (from 2) of an encrypted export is bound to. */
export function exportWhere(exportedAt: number, n: number): string {
  return `export:${exportedAt}:${n}`;
}

/** Options of `export`. */
export interface ExportOptions {
  /** Include vectors (default true). Without them the file is smaller and import re-embeds. */
  vectors?: boolean;
  /**
   * Write an encrypted store's export in clear (default false: sealed under the store's
   * data key, importable with the same passphrase or key). No effect on an unencrypted store.
   */
  plaintext?: boolean;
}

/** JSON with ArrayBuffers as `{"$f32": base64}`. */
export function encodeLine(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v instanceof ArrayBuffer ? { $f32: toBase64(v) } : v,
  );
}

/** Parses a line written by {@link encodeLine}. */
export function decodeLine(line: string): unknown {
  return JSON.parse(line, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && typeof (v as { $f32?: unknown }).$f32 === 'string'
      ? fromBase64((v as { $f32: string }).$f32)
      : v,
  );
}

/** An event without its vector bytes (`vectorOmitted` marks where one was). */
function withoutVector(e: EventRecord): EventRecord & { vectorOmitted?: true } {
  if (isTombstone(e.payload) || !e.payload.vector) return e;
  const { vector: _v, ...payload } = e.payload;
  return { ...e, payload, vectorOmitted: true };
}

/**
 * Yields the export, one line (without newline) at a time, from a consistent
 * snapshot taken at the start.
 */
export async function* exportLines(
  core: EngineCore,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  const vectors = options.vectors ?? true;
  const sealed = core.store.encrypted && options.plaintext !== true;
  await core.ready();
  const snap = await core.store.load();
  const events = (await core.store.eventsSince(0)).filter((e) => e.seq <= snap.meta.lastSeq);
  const header: ExportHeader = {
    kind: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    embedderId: snap.meta.embedderId,
    dim: snap.meta.dim,
    vectors,
    exportedAt: core.settings.clock(),
    counts: {
      memories: snap.memories.length,
      versions: snap.versions.length,
      links: snap.links.length,
      events: events.length,
    },
    ...(sealed ? { encryption: snap.meta.encryption! } : {}),
  };
  yield encodeLine(header);
  let n = 1;
  const line = async (value: unknown): Promise<string> => {
    n++;
    if (!sealed) return encodeLine(value);
    const where = exportWhere(header.exportedAt, n);
    return encodeLine({
      kind: 'sealed',
      data: await core.store.sealText(encodeLine(value), where),
    });
  };
  for (const record of snap.memories) yield line({ kind: 'memory', record });
  for (const record of snap.versions) yield line({ kind: 'version', record });
  for (const record of snap.links) yield line({ kind: 'link', record });
  for (const e of events) yield line({ kind: 'event', event: vectors ? e : withoutVector(e) });
}
