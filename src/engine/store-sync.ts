/**
 * Keeps several tabs (or workers) on one store consistent: writes are
 * serialised by a Web Lock named after the store, and every committed write
 * is announced on a BroadcastChannel so the others catch up from the event
 * log. Where Web Locks are missing (Node), writes are serialised in-process.
 */
const localLocks = new Map<string, Promise<unknown>>();

export class StoreSync {
  private readonly channel: BroadcastChannel | undefined;

  /**
   * @param name - store name (lock and channel are derived from it)
   * @param onRemoteWrite - called with the last seq another tab committed
   */
  constructor(
    private readonly name: string,
    onRemoteWrite: (seq: number) => void,
  ) {
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel(`engram:${name}`);
      this.channel.onmessage = (e: MessageEvent<{ seq?: unknown }>) => {
        if (typeof e.data?.seq === 'number') onRemoteWrite(e.data.seq);
      };
    }
  }

  /** Runs `fn` while holding the store's exclusive write lock. */
  withWriteLock<T>(fn: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (locks)
      return locks.request(`engram:${this.name}:write`, { mode: 'exclusive' }, fn) as Promise<T>;
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

  /** Stops listening. */
  close(): void {
    this.channel?.close();
  }
}
