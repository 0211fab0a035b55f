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
  sync(remote: Pouch, o: object): PouchEmitter;
  compact(): Promise<unknown>;
  info(): Promise<{ update_seq: number | string }>;
  close(): Promise<void>;
}
interface PouchEmitter {
  on(event: string, fn: (info: unknown) => void): PouchEmitter;
  cancel(): void;
}
type PouchCtor = new (name: string, opts?: object) => Pouch;

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
  private remote!: Pouch;
  private state!: LocalState;
  private rev: string | undefined;
  private live: PouchEmitter | undefined;
  private feed: PouchEmitter | undefined;
  private current: SyncStatus = { state: 'stopped', pushed: 0, pulled: 0, applied: 0 };
  /** One copy / apply at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private PouchDB!: PouchCtor;
  /** Restart of a replication that ended in error (e.g. the server lost the database). */
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private restartDelay = 0;
  private codec: DocCodec = plainCodec;
  /** Erased documents were rewritten up to this local seq: compact the server once it has them. */
  private compactAt: number | undefined;

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
    this.replicate();
    // Back online: replicate at once rather than at the end of the back-off.
    globalThis.addEventListener?.('online', this.resume);
  }

  private readonly resume = (): void => {
    if (this.stopped) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.live?.cancel();
    this.replicate();
  };

  /** After a replication ended in error: starts a new one (fresh connection) after a back-off. */
  private restartLater(): void {
    if (this.stopped || this.restartTimer || this.options.live === false) return;
    this.restartDelay = Math.min(Math.max(this.restartDelay * 2, 1000), 30_000);
    this.restartTimer = setTimeout(this.resume, this.restartDelay);
  }

  /** This device's id in synced events. */
  get device(): string {
    return this.state.device;
  }

  /** Status as last reported. */
  status(): SyncStatus {
    return { ...this.current };
  }

  /** After a local write: copies the new events (and erasures) into the local PouchDB. */
  committed(events: readonly EventRecord[]): void {
    if (this.stopped || !this.state) return;
    const erased = events.filter((e) => e.type === 'memory.erased').map((e) => e.memoryId);
    this.enqueue(async () => {
      await this.copyOwn();
      if (erased.length) await this.rewriteErased(erased);
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
    clearTimeout(this.restartTimer);
    globalThis.removeEventListener?.('online', this.resume);
    this.live?.cancel();
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

  /** Own events after `pushedSeq` as documents; a document already there is left as it is. */
  private async copyOwn(): Promise<void> {
    const events = await this.host.ownEventsSince(this.state.pushedSeq);
    if (!events.length) return;
    await this.local.bulkDocs(
      await Promise.all(events.map((e) => this.codec.encode(toSyncDoc(e, this.state.device)))),
    );
    this.state.pushedSeq = events[events.length - 1]!.seq;
    await this.saveState();
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
        const decoded = await Promise.all(docs.map((d) => this.codec.decode(d)));
        const theirs = decoded.filter(
          (d): d is SyncDoc => d !== undefined && d.device !== this.state.device,
        );
        const applied = theirs.length ? await this.host.applyDocs(theirs, this.state.device) : 0;
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

  /** Live two-way replication with the server, retried with back-off (1 s doubling to 30 s). */
  private replicate(): void {
    const live = this.options.live !== false;
    const { url, auth } = this.options;
    // A fresh connection each time: it creates the database again if the server lost it.
    this.remote = new this.PouchDB(url, auth ? { auth } : {});
    const sync = this.local.sync(this.remote, {
      live,
      retry: live,
      batch_size: 500,
      // Each start compares everything (revs_diff, no transfer of what the other side has):
      // a server that lost its data (restored, or an in-memory one restarted) is refilled.
      checkpoint: false,
      back_off_function: (delay: number) => (delay === 0 ? 1000 : Math.min(delay * 2, 30_000)),
    });
    sync.on('change', (i) => {
      const info = i as {
        direction: 'push' | 'pull';
        change: { docs_written: number; pending?: number; last_seq: number | string };
      };
      if (info.direction === 'push') {
        this.state.sent = info.change.last_seq;
        this.enqueue(() => this.saveState());
        if (this.compactAt !== undefined && Number(info.change.last_seq) >= this.compactAt)
          this.compactServer();
      }
      if (info.direction === 'push')
        this.report({
          pushed: this.current.pushed + info.change.docs_written,
          pushPending: info.change.pending ?? 0,
        });
      else this.report({ pulled: this.current.pulled + info.change.docs_written });
    });
    sync.on('active', () => {
      this.restartDelay = 0;
      this.report({ state: 'active' });
    });
    let failed = false;
    sync.on('paused', (err) => {
      if (err) {
        failed = true;
        this.report({ state: 'offline', error: errorText(err) });
      } else if (failed && this.live === sync) {
        // Back after a failure: a live feed may still hang on the lost connection (or the server
        // may have come back without its data). Start afresh: everything is compared once.
        this.resume();
      } else this.report({ state: 'idle', pushPending: 0 });
    });
    sync.on('denied', (err) => this.report({ state: 'error', error: String(err) }));
    sync.on('error', (err) => {
      this.report({ state: 'error', error: errorText(err) });
      if (this.live === sync) this.restartLater();
    });
    sync.on('complete', () => {
      if (!live) this.report({ state: 'idle' });
      else if (this.live === sync) this.restartLater();
    });
    this.live = sync;
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
