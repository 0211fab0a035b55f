// Replicates a store's event log through CouchDB's replication protocol:
// a local PouchDB (IndexedDB) holds one document per event; PouchDB syncs it
// with the server both ways, live, retrying with back-off while offline. Own
// events are copied into the local PouchDB after each write; documents that
// arrive from other devices are handed to the engine, which logs and applies them.
import { EngramError } from '../errors';
import type { EventRecord } from '../store/records';
import { plainCodec, type DocCodec } from './doc-codec';
import type { KeyPouch } from './sync-key';
import { toSyncDoc, type SyncDoc } from './sync-doc';
import type { SyncOptions, SyncStatus } from './sync-options';

/** What the replicator needs of the engine. */
export interface SyncHost {
  /** Store name (the local PouchDB is named after it). */
  readonly name: string;
  /** This store's own events (no `origin`) after `seq`, payloads opened. */
  ownEventsSince(seq: number): Promise<EventRecord[]>;
  /** Every event of the given memories (after an erasure: their documents are rewritten). */
  eventsOf(memoryIds: string[]): Promise<EventRecord[]>;
  /** Logs and applies documents from other devices; returns how many were new. */
  applyDocs(docs: SyncDoc[], device: string): Promise<number>;
  /**
   * How event documents are stored (an encrypted store seals them; default: as they are).
   * Called once at start, before anything is copied or replicated, with the local PouchDB and
   * the server's; it may refuse (its error is thrown by `start`).
   */
  codec?(local: KeyPouch, remote: KeyPouch): Promise<DocCodec>;
  log(message: string): void;
}

/** The few PouchDB calls used (pouchdb-browser, loaded on first use). */
interface Pouch {
  get(id: string): Promise<{ _rev: string } & Record<string, unknown>>;
  put(doc: object): Promise<unknown>;
  bulkDocs(docs: object[]): Promise<unknown[]>;
  allDocs(o: { keys: string[] }): Promise<{ rows: { id?: string; value?: { rev: string } }[] }>;
  changes(o: object): PouchEmitter & Promise<{ results: { doc?: unknown }[]; last_seq: unknown }>;
  replicate: {
    to(remote: Pouch, o: object): PouchEmitter;
    from(remote: Pouch, o: object): PouchEmitter;
  };
  compact(): Promise<unknown>;
  info(): Promise<{ update_seq: number | string }>;
  close(): Promise<void>;
}
interface PouchEmitter {
  on(event: string, fn: (info: unknown) => void): PouchEmitter;
  cancel(): void;
}
type PouchCtor = new (name: string, opts?: object) => Pouch;

type Direction = 'push' | 'pull';
/** One direction of replication: the one running, its state, and its retry. */
interface Leg {
  rep: PouchEmitter | undefined;
  state: 'active' | 'idle' | 'offline' | 'error';
  error?: string | undefined;
  /** Documents the running replication reported written (PouchDB counts from its start). */
  written: number;
}
const newLeg = (): Leg => ({ rep: undefined, state: 'active', written: 0 });

/** The `_local` document keeping this device's id and how far it has come. */
const STATE_ID = '_local/engram-sync';
interface LocalState {
  device: string;
  /** Own events copied into the local PouchDB up to this seq. */
  pushedSeq: number;
  /** Changes of the local PouchDB applied up to this sequence. */
  since: number | string;
  /** Changes of the local PouchDB the server has, up to this sequence (as push last reported). */
  sent?: number | string;
}

export class Replicator {
  private local!: Pouch;
  private state!: LocalState;
  private rev: string | undefined;
  private readonly legs: Record<Direction, Leg> = { push: newLeg(), pull: newLeg() };
  /** Restart of both directions after an error, and its back-off (ms; 0 after progress). */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private delay = 0;
  private feed: PouchEmitter | undefined;
  private current: SyncStatus = { state: 'stopped', pushed: 0, pulled: 0, applied: 0 };
  /** One copy / apply at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private PouchDB!: PouchCtor;
  private codec: DocCodec = plainCodec;
  /** Erased documents were rewritten up to this local seq: compact the server once it has them. */
  private compactAt: number | undefined;
  /** The server's database, as the last replication opened it. */
  private remote!: Pouch;

  constructor(
    private readonly host: SyncHost,
    private readonly options: SyncOptions,
  ) {}

  /** Opens the local PouchDB, copies own events into it and starts replicating. */
  async start(): Promise<void> {
    const mod = (await import('pouchdb-browser')) as unknown as { default: PouchCtor };
    const PouchDB = (this.PouchDB = mod.default);
    this.local = new PouchDB(`engram-sync:${this.host.name}`, { auto_compaction: true });
    try {
      const s = (await this.local.get(STATE_ID)) as unknown as LocalState & { _rev: string };
      this.rev = s._rev;
      this.state = { device: s.device, pushedSeq: s.pushedSeq, since: s.since, sent: s.sent ?? 0 };
    } catch {
      this.state = { device: crypto.randomUUID(), pushedSeq: 0, since: 0 };
    }
    if (this.host.codec) {
      const { url, auth } = this.options;
      const remote = new PouchDB(url, auth ? { auth } : {});
      try {
        this.codec = await this.host.codec(this.local, remote);
      } catch (e) {
        await this.local.close().catch(() => {});
        throw e;
      }
    }
    await this.copyOwn();
    this.follow();
    this.startLeg('push');
    this.startLeg('pull');
    // Back online: replicate at once rather than at the end of the back-off.
    globalThis.addEventListener?.('online', this.resume);
  }

  private readonly resume = (): void => {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.stopped) return;
    this.startLeg('push');
    this.startLeg('pull');
  };

  /** This device's id in synced events. */
  get device(): string {
    return this.state.device;
  }

  /** Status as last reported. */
  status(): SyncStatus {
    return { ...this.current };
  }

  /**
   * After a write here (`events`), or one by another tab (none given): copies the new own
   * events into the local PouchDB and rewrites the documents of what they erased.
   */
  committed(events: readonly EventRecord[]): void {
    if (this.stopped || !this.state) return;
    const erased = events.filter((e) => e.type === 'memory.erased').map((e) => e.memoryId);
    this.enqueue(async () => {
      const ids = new Set([...erased, ...(await this.copyOwn())]);
      if (ids.size) await this.rewriteErased([...ids]);
    });
  }

  /** Own events not yet on the server (or not yet copied for it). */
  async pending(): Promise<number> {
    const notCopied = (await this.host.ownEventsSince(this.state.pushedSeq)).length;
    const { results } = await this.local.changes({
      since: this.state.sent ?? 0,
      include_docs: true,
    });
    const docs = await Promise.all(results.map((r) => this.codec.decode(r.doc)));
    const notSent = docs.filter((d) => d?.device === this.state.device).length;
    return notCopied + notSent;
  }

  /** Waits for what is queued (copies and applies), then stops replicating. */
  async stop(): Promise<void> {
    this.stopped = true;
    globalThis.removeEventListener?.('online', this.resume);
    clearTimeout(this.retryTimer);
    this.cancelLegs();
    this.feed?.cancel();
    await this.queue;
    await this.local.close().catch(() => {});
    this.report({ state: 'stopped' });
  }

  /** Waits until what is queued now is done. */
  settled(): Promise<void> {
    return this.queue;
  }

  private enqueue(fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((e: unknown) => {
      this.host.log(`engram: sync step failed: ${String(e)}`);
      this.report({ state: 'error', error: String(e) });
    });
  }

  private report(change: Partial<SyncStatus>): void {
    this.current = { ...this.current, ...change };
    this.options.onStatus?.(this.status());
  }

  private async saveState(): Promise<void> {
    const r = (await this.local.put({ _id: STATE_ID, _rev: this.rev, ...this.state })) as {
      rev: string;
    };
    this.rev = r.rev;
  }

  /**
   * Own events after `pushedSeq` (written here or by another tab of this store) as documents;
   * a document already there is left as it is.
   * @returns the memories those events erased (their documents are to be rewritten)
   */
  private async copyOwn(): Promise<string[]> {
    const events = await this.host.ownEventsSince(this.state.pushedSeq);
    if (!events.length) return [];
    await this.local.bulkDocs(
      await Promise.all(events.map((e) => this.codec.encode(toSyncDoc(e, this.state.device)))),
    );
    this.state.pushedSeq = events[events.length - 1]!.seq;
    await this.saveState();
    return events.filter((e) => e.type === 'memory.erased').map((e) => e.memoryId);
  }

  /** Rewrites the documents of erased memories' events without their payloads. */
  private async rewriteErased(memoryIds: string[]): Promise<void> {
    const events = await this.host.eventsOf(memoryIds);
    const docs = await Promise.all(
      events.map((e) => this.codec.encode(toSyncDoc(e, this.state.device))),
    );
    const { rows } = await this.local.allDocs({ keys: docs.map((d) => d._id) });
    const revs = new Map(rows.map((r) => [r.id, r.value?.rev]));
    await this.local.bulkDocs(docs.map((d) => ({ ...d, _rev: revs.get(d._id) })));
    this.compactAt = Number((await this.local.info()).update_seq);
  }

  /** Applies what arrives in the local PouchDB from other devices. */
  private follow(): void {
    const feed = this.local.changes({
      since: this.state.since,
      live: true,
      include_docs: true,
      batch_size: 500,
    });
    let batch: unknown[] = [];
    let last: number | string = this.state.since;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const docs = batch;
      const upTo = last;
      batch = [];
      this.enqueue(async () => {
        let applied = 0;
        try {
          const decoded = await Promise.all(docs.map((d) => this.codec.decode(d)));
          const theirs = decoded.filter(
            (d): d is SyncDoc => d !== undefined && d.device !== this.state.device,
          );
          if (theirs.length) applied = await this.host.applyDocs(theirs, this.state.device);
        } catch (e) {
          // Not dropped: applied again with the next arrivals, or in a second.
          batch = docs.concat(batch);
          if (!this.stopped) timer ??= setTimeout(flush, 1000);
          throw e;
        }
        this.state.since = upTo;
        await this.saveState();
        this.report({ applied: this.current.applied + applied });
      });
    };
    feed.on('change', (c) => {
      const change = c as { doc?: unknown; seq: number | string };
      last = change.seq;
      if (change.doc !== undefined) batch.push(change.doc);
      // Coalesced: one apply (one replay of the log) per burst of arrivals.
      timer ??= setTimeout(flush, 50);
    });
    feed.on('error', (e) => this.host.log(`engram: sync feed failed: ${String(e)}`));
    this.feed = feed;
  }

  /**
   * Compacts the server's database after erased documents went up, so no old revision keeps
   * their payloads (CouchDB needs a database admin for it: refused, it is logged and the old
   * revisions stay until an admin compacts).
   */
  private compactServer(): void {
    this.compactAt = undefined;
    this.remote.compact().catch((e: unknown) => {
      this.host.log(`engram: sync: the server was not compacted: ${errorText(e)}`);
    });
  }

  /**
   * One direction of live replication with the server. PouchDB's own retry is not used: after a
   * server restart it resumes from the change sequence it had reached, which an in-memory server
   * that came back (or a database restored from a backup) numbers afresh, so the pull would wait
   * for changes it will never see. Each restart here is a fresh replication (a fresh connection,
   * `checkpoint: false`): it compares everything once (`revs_diff`, nothing sent twice) and
   * creates the database again if the server lost it. After an error, both directions restart
   * after a back-off of 1 s doubling to 30 s, reset by progress; at once when back online.
   */
  private startLeg(dir: Direction): void {
    const leg = this.legs[dir];
    const old = leg.rep;
    leg.rep = undefined; // its 'complete' on cancel is not a failure
    old?.cancel();
    if (this.stopped) return;
    const live = this.options.live !== false;
    const { url, auth } = this.options;
    const remote = (this.remote = new this.PouchDB(url, auth ? { auth } : {}));
    const opts = { live, retry: false, batch_size: 500, checkpoint: false };
    const rep =
      dir === 'push'
        ? this.local.replicate.to(remote, opts)
        : this.local.replicate.from(remote, opts);
    leg.rep = rep;
    leg.written = 0;
    const mine = () => leg.rep === rep;
    rep.on('change', (i) => {
      if (!mine()) return;
      const info = i as { docs_written: number; pending?: number };
      // PouchDB reports the documents written since this replication started.
      const n = info.docs_written - leg.written;
      leg.written = info.docs_written;
      this.delay = 0;
      if (dir === 'push')
        this.report({ pushed: this.current.pushed + n, pushPending: info.pending ?? 0 });
      else this.report({ pulled: this.current.pulled + n });
    });
    rep.on('checkpoint', (c) => {
      const seq = (c as { checkpoint?: number | string }).checkpoint;
      if (dir !== 'push' || !mine() || seq === undefined) return;
      // The server has this device's changes up to `seq` (for `pending`).
      this.state.sent = seq;
      this.enqueue(() => this.saveState());
      if (this.compactAt !== undefined && Number(seq) >= this.compactAt) this.compactServer();
    });
    rep.on('active', () => {
      if (!mine()) return;
      leg.state = 'active';
      this.reportLegs();
    });
    rep.on('paused', (err) => {
      if (!mine()) return;
      if (err) leg.state = 'offline';
      else [leg.state, leg.error] = ['idle', undefined];
      if (!err && this.legs.push.state === 'idle' && this.legs.pull.state === 'idle')
        this.delay = 0;
      if (err) leg.error = errorText(err);
      this.reportLegs();
    });
    rep.on('denied', (err) => this.report({ state: 'error', error: errorText(err) }));
    rep.on('error', (err) => {
      if (!mine()) return;
      const status = (err as { status?: number } | null)?.status;
      leg.state = status === 401 || status === 403 ? 'error' : 'offline';
      leg.error = errorText(err);
      this.reportLegs();
      this.retryLater();
    });
    rep.on('complete', () => {
      if (!mine()) return;
      if (live)
        this.retryLater(); // a live replication ended by itself: start anew
      else {
        leg.state = 'idle';
        this.reportLegs();
      }
    });
  }

  /** Cancels both directions' replications (their events after this are not theirs to report). */
  private cancelLegs(): void {
    for (const leg of [this.legs.push, this.legs.pull]) {
      const rep = leg.rep;
      leg.rep = undefined;
      rep?.cancel();
    }
  }

  /**
   * After an error in either direction: both start afresh after the back-off. Both, because a
   * push that had sent everything is idle on the local database and would not see that the
   * server came back without its data (an in-memory or restored server): it must compare again.
   */
  private retryLater(): void {
    if (this.stopped || this.retryTimer || this.options.live === false) return;
    this.cancelLegs();
    this.delay = Math.min(Math.max(this.delay * 2, 1000), 30_000);
    this.retryTimer = setTimeout(this.resume, this.delay);
  }

  /** The status from both directions: an error, else offline, else active, else idle. */
  private reportLegs(): void {
    const legs = [this.legs.push, this.legs.pull];
    const state =
      (['error', 'offline', 'active'] as const).find((s) => legs.some((l) => l.state === s)) ??
      'idle';
    const error = legs.find((l) => l.error && l.state === state)?.error;
    const { error: _last, ...rest } = this.current;
    this.current = rest;
    this.report({
      state,
      ...(error ? { error } : {}),
      ...(this.legs.push.state === 'idle' ? { pushPending: 0 } : {}),
    });
  }
}

/** @throws `InvalidArgument` unless PouchDB's replication is available */
export function assertSyncable(): void {
  if (typeof indexedDB === 'undefined')
    throw new EngramError('InvalidArgument', 'sync needs IndexedDB (a browser or a worker)');
}

/** A PouchDB error as text (they are plain objects with status, name and message). */
function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  const o = e as { status?: unknown; name?: unknown; message?: unknown } | null;
  return o && typeof o === 'object'
    ? `${String(o.status ?? '')} ${String(o.name ?? '')} ${String(o.message ?? '')}`.trim()
    : String(e);
}
