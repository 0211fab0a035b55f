// audit(): the changes in the log, with where each came from and its change set.
import type { EngineCore } from '../engine/core';
import { checkLimit, checkOptionNames, checkTime } from '../engine/validate';
import { AUDIT_OPTIONS } from '../engine/option-names';
import { historyFromEvents } from '../memory/history';
import { isTombstone, type EventRecord } from '../store/records';
import type { HistoryEvent } from '../types';
import { checkWriteTag } from './write-tag';

/** Options of `audit`. */
export interface AuditOptions {
  /** Only changes at or after this time (ms since epoch, Date or ISO string). */
  since?: number | Date | string;
  /** Only changes written with this `source`. */
  source?: string;
  /** Only the changes of this change set (and the rollback that undid it). */
  changeSet?: string;
  /** Most entries, oldest first (default 1000). */
  limit?: number;
}

/** One change in the log. */
export interface AuditEntry {
  /** Position in the log. */
  seq: number;
  /** When (ms since epoch). */
  at: number;
  /** Memory changed. */
  memoryId: string;
  /**
   * As in `history`: ADD, UPDATE, DELETE, ARCHIVE, RESTORE, ERASE, MERGE, ROLLBACK, and for
   * trust PENDING, ACCEPT, REJECT, FEEDBACK.
   */
  event: HistoryEvent;
  /** The log's event type. */
  type: string;
  /** Who wrote it (`'api'`, `'consolidator'`, `'llm'`, `'rollback'`, `'forget'`, …). */
  actor: string;
  /** Where the text came from, for writes through add/addMany/update/delete. */
  source?: string;
  /** Its change set, if any. */
  changeSet?: string;
  /** ROLLBACK: the change set undone. */
  rolledBack?: string;
  /** The text after the change (null when deleted or erased). */
  memory: string | null;
  /** True when the event's content was erased (its source and change set are gone with it). */
  erased?: true;
}

/**
 * Lists the changes in the log (recalls by search and links left out), oldest first.
 * A read: takes no write lock, writes nothing.
 * @throws `InvalidArgument`
 */
export async function audit(
  core: EngineCore,
  options: AuditOptions = {},
): Promise<{ results: AuditEntry[] }> {
  checkOptionNames(options, AUDIT_OPTIONS, 'audit');
  const o = options ?? {};
  const since = o.since === undefined ? undefined : checkTime(o.since, 'since');
  const tag = checkWriteTag({
    ...(o.source !== undefined ? { source: o.source } : {}),
    ...(o.changeSet !== undefined ? { changeSet: o.changeSet } : {}),
  });
  const limit = checkLimit(o.limit, 1000, Number.MAX_SAFE_INTEGER);
  await core.ready();
  const events = await core.store.eventsSince(0);
  const keep = (e: EventRecord): boolean => {
    if (since !== undefined && e.at < since) return false;
    const p = isTombstone(e.payload) ? undefined : e.payload;
    if (o.source !== undefined && p?.source !== tag.source) return false;
    if (
      o.changeSet !== undefined &&
      p?.changeSet !== tag.changeSet &&
      p?.rolledBack !== tag.changeSet
    )
      return false;
    return true;
  };
  const results: AuditEntry[] = [];
  const byMemory = new Map<string, EventRecord[]>();
  for (const e of events) {
    const list = byMemory.get(e.memoryId);
    if (list) list.push(e);
    else byMemory.set(e.memoryId, [e]);
  }
  // history() reads each memory's events in order: the entries it makes carry the texts.
  const entries = [...byMemory].flatMap(([id, list]) => historyFromEvents(id, list));
  const wanted = new Set(events.filter(keep).map((e) => e.seq));
  for (const h of entries.sort((a, b) => a.seq - b.seq)) {
    if (!wanted.has(h.seq)) continue;
    const entry: AuditEntry = {
      seq: h.seq,
      at: h.createdAt,
      memoryId: h.memoryId,
      event: h.event,
      type: h.type,
      actor: h.actor,
      memory: h.newMemory,
    };
    if (h.source !== undefined) entry.source = h.source;
    if (h.changeSet !== undefined) entry.changeSet = h.changeSet;
    if (h.rolledBack !== undefined) entry.rolledBack = h.rolledBack;
    if (h.erased) entry.erased = true;
    results.push(entry);
    if (results.length >= limit) break;
  }
  return { results };
}
