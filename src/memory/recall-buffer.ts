// Recalls by search, kept in memory and written later: a search never writes, never waits for
// the cross-tab write lock, and the log grows by at most one event per memory recalled per
// flush instead of one per hit per search.
import type { EngineCore } from '../engine/core';
import { backgroundTimer, nextTask } from '../util/tasks';
import { recallEvents } from './forgetting';

/** What a flush writes for one memory: how many recalls, and when the last one happened. */
export interface PendingRecall {
  count: number;
  lastAt: number;
}

/** The buffer is also written once no recall came for `flushMs / QUIET_DIVISOR` (2 s by default). */
export const QUIET_DIVISOR = 5;

/**
 * Memories written per transaction by a flush. A flush of thousands of recalls (a burst of
 * searches) is written in transactions of this many, the thread given back between two, so
 * that searches arriving meanwhile wait for one slice (a few ms), not for the whole flush.
 */
export const RECALL_WRITE_SLICE = 64;

/**
 * Buffers the memories that searches return and writes them as ONE coalesced
 * `memory.accessed` event per memory (`payload.recalls` = how many recalls it stands for;
 * its patch gives the strength k recalls would have given one by one: S + k·increment, and
 * the last recall's time). Written in the background: after `flushMs` at most, after a
 * fifth of it without recalls (searches paused), and on `close()`, in transactions of
 * {@link RECALL_WRITE_SLICE} memories with the thread given back between two. A failed write
 * is logged and its recalls (and those of the slices after it) are kept for the next one; it
 * never reaches a search.
 */
export class RecallBuffer {
  private pending = new Map<string, PendingRecall>();
  private writing: Promise<void> = Promise.resolve();
  private quietTimer: ReturnType<typeof setTimeout> | undefined;
  private maxTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  /**
   * @param core - the engine (writes go through its lock and commit)
   * @param flushMs - longest wait of a recall before it is written (0: right after the search)
   */
  constructor(
    private readonly core: EngineCore,
    private readonly flushMs: number,
  ) {}

  /** Memories waiting to be written. */
  get size(): number {
    return this.pending.size;
  }

  /** Records one recall of each id (a search's hits), now; returns at once. */
  record(ids: readonly string[]): void {
    if (this.stopped || ids.length === 0) return;
    const now = this.core.settings.clock();
    for (const id of new Set(ids)) {
      const p = this.pending.get(id);
      if (p) {
        p.count++;
        p.lastAt = Math.max(p.lastAt, now);
      } else this.pending.set(id, { count: 1, lastAt: now });
    }
    this.schedule();
  }

  /**
   * Writes what is pending (one transaction, under the write lock) and waits for it, and
   * for any write already under way. Never throws: a failure is logged and the recalls stay.
   */
  flush(): Promise<void> {
    this.clearTimers();
    if (this.pending.size === 0) return this.writing;
    const batch = this.pending;
    this.pending = new Map();
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  /** Forgets what is pending (the store was reset). */
  clear(): void {
    this.clearTimers();
    this.pending.clear();
  }

  /** Writes what is pending, then records nothing more (the engine closes). */
  async close(): Promise<void> {
    await this.flush();
    this.stopped = true;
    this.clearTimers();
  }

  private async write(batch: Map<string, PendingRecall>): Promise<void> {
    const core = this.core;
    const all = [...batch];
    for (let at = 0; at < all.length; at += RECALL_WRITE_SLICE) {
      const slice = new Map(all.slice(at, at + RECALL_WRITE_SLICE));
      try {
        // Searches queued behind this flush run between two slices. Not `background`: a flush
        // under way (close() waits for it) keeps a Node process alive.
        if (at > 0) await nextTask();
        await core.write(async () => {
          const { events, memories } = recallEvents(core, slice, core.settings.clock());
          return events.length ? core.commit({ memories, events }) : [];
        });
      } catch (e) {
        const kept = all.length - at;
        core.settings.log(
          `engram: writing ${kept} recalls failed (kept for the next try): ${String(e)}`,
        );
        for (const [id, r] of all.slice(at)) {
          const p = this.pending.get(id);
          if (p) {
            p.count += r.count;
            p.lastAt = Math.max(p.lastAt, r.lastAt);
          } else this.pending.set(id, r);
        }
        if (!this.stopped) this.schedule();
        return;
      }
    }
  }

  private schedule(): void {
    const quiet = this.flushMs / QUIET_DIVISOR;
    if (this.quietTimer !== undefined) clearTimeout(this.quietTimer);
    this.quietTimer = backgroundTimer(() => void this.flush(), quiet);
    this.maxTimer ??= backgroundTimer(() => void this.flush(), this.flushMs);
  }

  private clearTimers(): void {
    if (this.quietTimer !== undefined) clearTimeout(this.quietTimer);
    if (this.maxTimer !== undefined) clearTimeout(this.maxTimer);
    this.quietTimer = this.maxTimer = undefined;
  }
}
