import { EngramError } from '../errors';

/** Options of sync (`Engram.open({ sync })`, `sync.start(options)`). */
export interface SyncOptions {
  /** URL of a CouchDB database (or any server speaking its replication protocol). */
  url: string;
  /** Credentials for the server (else none, or those in the URL). */
  auth?: { username: string; password: string };
  /** Keep replicating, retrying with back-off while offline (default true); false: one pass. */
  live?: boolean;
  /** Called whenever the sync status changes. */
  onStatus?: (status: SyncStatus) => void;
}

/** Where sync stands. */
export interface SyncStatus {
  /**
   * `active`: transferring; `idle`: up to date, waiting for changes; `offline`: the server
   * cannot be reached (retrying with back-off); `error`: refused (e.g. credentials); `stopped`.
   */
  state: 'active' | 'idle' | 'offline' | 'error' | 'stopped';
  /** Documents (events) sent to the server since start. */
  pushed: number;
  /** Documents received from the server since start. */
  pulled: number;
  /** Events from other devices logged and applied here since start. */
  applied: number;
  /** Documents the last push batch said were still waiting. */
  pushPending?: number;
  /** The last error, when `state` is `offline` or `error`. */
  error?: string;
}

/** Option names of {@link SyncOptions}. */
export const SYNC_OPTIONS = ['url', 'auth', 'live', 'onStatus'] as const;

/** The names `Engram.open({ sync })` accepts, nested ones included (see `checkOptionNames`). */
export const SYNC_OPTION_SHAPE = {
  names: [...SYNC_OPTIONS] as string[],
  nested: { auth: { names: ['username', 'password'] } },
};

/** Checks sync options. @throws `InvalidArgument` */
export function checkSyncOptions(o: unknown): SyncOptions {
  if (typeof o !== 'object' || o === null)
    throw new EngramError('InvalidArgument', 'sync must be an object with a url');
  const v = o as Record<string, unknown>;
  for (const k of Object.keys(v))
    if (!(SYNC_OPTIONS as readonly string[]).includes(k))
      throw new EngramError('InvalidArgument', `Unknown sync option "${k}"`, {
        details: { option: k, known: [...SYNC_OPTIONS] },
      });
  if (typeof v.url !== 'string' || !/^https?:\/\//.test(v.url))
    throw new EngramError('InvalidArgument', 'sync.url must be an http(s) URL of a database');
  const auth = v.auth as { username?: unknown; password?: unknown } | undefined;
  if (
    auth !== undefined &&
    (typeof auth !== 'object' ||
      auth === null ||
      typeof auth.username !== 'string' ||
      typeof auth.password !== 'string')
  )
    throw new EngramError('InvalidArgument', 'sync.auth must be { username, password }');
  if (v.live !== undefined && typeof v.live !== 'boolean')
    throw new EngramError('InvalidArgument', 'sync.live must be a boolean');
  if (v.onStatus !== undefined && typeof v.onStatus !== 'function')
    throw new EngramError('InvalidArgument', 'sync.onStatus must be a function');
  return v as unknown as SyncOptions;
}
