// export(): the store as versioned JSON Lines — a header, then memories,
// past versions, links and the whole event log (vectors inside the events,
// base64 of their Float32 bytes, unless `vectors: false`).
import type { EngineCore } from '../engine/core';
import { fromBase64, toBase64 } from '../store/bytes';
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
}

/** Options of `export`. */
export interface ExportOptions {
  /** Include vectors (default true). Without them the file is smaller and import re-embeds. */
  vectors?: boolean;
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
  };
  yield encodeLine(header);
  for (const record of snap.memories) yield encodeLine({ kind: 'memory', record });
  for (const record of snap.versions) yield encodeLine({ kind: 'version', record });
  for (const record of snap.links) yield encodeLine({ kind: 'link', record });
  for (const e of events)
    yield encodeLine({ kind: 'event', event: vectors ? e : withoutVector(e) });
}
