/**
 * Keeps several tabs (or workers) on one store consistent: writes are
 * serialised by a Web Lock named after the store, and every committed write
 * is announced on a BroadcastChannel so the others catch up from the event
 * log. Where Web Locks are missing (Node), writes are serialised in-process.
 */
const localLocks = new Map<string, Promise<unknown>>();

/**
 * How long the Web Lock is kept after a write, ms: a write that follows at once (the next
 * `add` of a loop) runs under it without asking the browser again (a round trip to its lock
 * manager, about a tenth of an `add`). Another tab waits this much longer at most.
 */
export const LOCK_LINGER_MS = 20;
/**
 * How long the lock is kept through lingering writes before this tab asks the lock manager
 * whether anyone waits for it, ms: if someone does, it is let go (after the write under way);
 * if nobody does, it is kept another this long. A steady run of writes then asks the manager
 * once per this interval instead of asking again for the lock (a round trip on an add's path).
 */
export const LOCK_HOLD_MS = 100;

export class StoreSync {
  private readonly channel: BroadcastChannel | undefined;
  /** This tab's writes, one after another (the Web Lock is asked once for a run of them). */
  private queue: Promise<unknown> = Promise.resolve();
  /** The Web Lock while this tab holds it: its release, when it was granted, its linger timer. */
  private running = false;
  private closed = false;
  private held:
    | {
        release: () => void;
        /** When it was granted, or last found with nobody waiting. */
        since: number;
        timer?: ReturnType<typeof setTimeout>;
        /** A `query()` of the lock manager is under way. */
        asking?: boolean;
        /** Someone waits: let go once the write under way ends. */
        wanted?: boolean;
      }
    | undefined;
  /** The Web Lock's name: the one asked for and the one looked for among those waiting. */
  private readonly lockName: string;

  /**
   * @param name - store name (lock and channel are derived from it)
   * @param onRemoteWrite - called with the last seq another tab committed
   */
  constructor(
    private readonly name: string,
    onRemoteWrite: (seq: number) => void,
  ) {
    this.lockName = `engram:${name}:write`;
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel(`engram:${name}`);
      this.channel.onmessage = (e: MessageEvent<{ seq?: unknown }>) => {
        if (typeof e.data?.seq === 'number') onRemoteWrite(e.data.seq);
      };
    }
  }

  /**
   * Runs `fn` while holding the store's exclusive write lock. This tab's calls run one after
   * another; the Web Lock is kept {@link LOCK_LINGER_MS} after each (past {@link LOCK_HOLD_MS}
   * only while nobody waits for it), so a run of writes asks for it once.
   */
  withWriteLock<T>(fn: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (locks) {
      const run = this.queue.then(() => this.underLock(locks, fn));
      this.queue = run.catch(() => undefined);
      return run;
    }
    const run = (localLocks.get(this.name) ?? Promise.resolve()).then(fn, fn);
    localLocks.set(
      this.name,
      run.catch(() => undefined),
    );
    return run;
  }

  /** Tells other tabs that the log now ends at `seq`. */
  announce(seq: number): void {
    this.channel?.postMessage({ seq });
  }

  /** Stops listening; lets go of the lock if it lingers. */
  close(): void {
    this.channel?.close();
    this.closed = true;
    if (!this.running) this.letGo(); // else when that write ends
  }

  private async underLock<T>(locks: LockManager, fn: () => Promise<T>): Promise<T> {
    if (this.held) clearTimeout(this.held.timer);
    else
      await new Promise<void>((granted, failed) => {
        locks
          .request(
            this.lockName,
            { mode: 'exclusive' },
            () =>
              new Promise<void>((release) => {
                this.held = { release, since: performance.now() };
                granted();
              }),
          )
          .catch(failed);
      });
    this.running = true;
    try {
      return await fn();
    } finally {
      this.running = false;
      const held = this.held;
      // A hidden page's timers may fire seconds late: it lets go at once.
      const hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden';
      if (!held || this.closed || hidden || held.wanted) this.letGo();
      else {
        held.timer = setTimeout(() => this.letGo(), LOCK_LINGER_MS);
        if (performance.now() - held.since >= LOCK_HOLD_MS) this.askWaiting(locks, held);
      }
    }
  }

  /**
   * After {@link LOCK_HOLD_MS}: asks the lock manager whether anyone waits for the lock; if so
   * it is let go (at once, or when the write under way ends), else kept another hold. It
   * lingers meanwhile as after any write. A failed query lets go, as the hold's end did.
   */
  private askWaiting(locks: LockManager, held: NonNullable<StoreSync['held']>): void {
    if (held.asking) return;
    held.asking = true;
    const waiting = locks.query().then(
      (s) => s.pending?.some((l) => l.name === this.lockName) ?? true,
      () => true,
    );
    void waiting.then((someone) => {
      held.asking = false;
      if (this.held !== held) return; // already let go
      if (!someone) held.since = performance.now();
      else if (this.running) held.wanted = true;
      else this.letGo();
    });
  }

  /** Releases the Web Lock if this tab holds it. */
  private letGo(): void {
    const held = this.held;
    if (!held) return;
    clearTimeout(held.timer);
    this.held = undefined;
    held.release();
  }
}
