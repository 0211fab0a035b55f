// The key document of an encrypted store's sync database. The server holds the store's data
// key only wrapped, as the store's own meta record does (`EncryptionHeader`: wrapped key,
// PBKDF2 salt and iterations, IV), so a new device joins with the passphrase alone: it reads
// this document, unwraps the data key and sets its empty store up with it. Beside the header
// the document carries the doc-id key (random, sealed under the data key): every replica names
// an event's document HMAC-SHA-256(doc-id key, event hash), so the server never sees an event
// hash (a plain SHA-256 of a short payload would let it confirm guessed texts), yet every
// device holding the data key names a document the same way (an erasure rewrites the same
// document). That the doc-id key opens also proves a replica holds the same data key.
import { EngramError } from '../errors';
import { unwrapDataKey, type EncryptionHeader, type EncryptionSecret } from '../store/data-key';
import { fromBase64, toBase64 } from '../store/bytes';
import type { SyncOptions } from './sync-options';

/** `_id` of the key document on the server (not an event: no replica applies it). */
export const KEY_DOC_ID = 'engram:key';
/** This device's copy of the key document in its local PouchDB (`_local`: never replicated). */
const CACHE_ID = '_local/engram-key';
/** Where the doc-id key is sealed (AES-GCM additional data). */
const ID_KEY_WHERE = 'sync:id-key';

/** The key document: nothing in it is secret. */
export interface SyncKeyDoc {
  _id: string;
  _rev?: string;
  format: 1;
  /** The data key, wrapped as in the store's meta record. */
  header: EncryptionHeader;
  /** The doc-id key (32 random bytes), sealed under the data key (base64). */
  idKey: string;
}

/** What the key document needs of a store: its header, and sealing under its data key. */
export interface KeySealer {
  readonly header: EncryptionHeader;
  sealText(text: string, where: string): Promise<string>;
  openText(b64: string, where: string): Promise<string>;
}

/** The PouchDB calls used here (a local database or a server's). */
export interface KeyPouch {
  get(id: string): Promise<unknown>;
  put(doc: object): Promise<unknown>;
  close(): Promise<void>;
}
type PouchCtor = new (name: string, opts?: object) => KeyPouch;

function isKeyDoc(v: unknown): v is SyncKeyDoc {
  const d = v as Partial<SyncKeyDoc> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    d.format === 1 &&
    typeof d.idKey === 'string' &&
    typeof d.header === 'object' &&
    d.header !== null &&
    typeof d.header.wrappedKey === 'string'
  );
}

function status(e: unknown): unknown {
  return (e as { status?: unknown } | null)?.status;
}

/** The server's database (`skipSetup`: do not create it just to read). */
export async function remotePouch(options: SyncOptions, skipSetup = false): Promise<KeyPouch> {
  const PouchDB = ((await import('pouchdb-browser')) as unknown as { default: PouchCtor }).default;
  return new PouchDB(options.url, {
    ...(options.auth ? { auth: options.auth } : {}),
    ...(skipSetup ? { skip_setup: true } : {}),
  });
}

/**
 * The key document on the server.
 * @returns undefined when the server has none (or not the database)
 * @throws `SyncFailed` when the server cannot be reached or refuses; `CorruptStore` when the
 *   document is not a key document
 */
export async function fetchKeyDoc(remote: KeyPouch): Promise<SyncKeyDoc | undefined> {
  let doc: unknown;
  try {
    doc = await remote.get(KEY_DOC_ID);
  } catch (e) {
    if (status(e) === 404) return undefined;
    throw new EngramError('SyncFailed', `the sync server did not answer for its key: ${text(e)}`, {
      cause: e,
    });
  }
  if (!isKeyDoc(doc))
    throw new EngramError('CorruptStore', `the sync server's ${KEY_DOC_ID} is not a key document`);
  return doc;
}

/** Puts the key document on the server; of two devices doing it at once, the first one wins. */
async function publishKeyDoc(remote: KeyPouch, doc: SyncKeyDoc): Promise<SyncKeyDoc> {
  try {
    await remote.put(doc);
    return doc;
  } catch (e) {
    if (status(e) !== 409)
      throw new EngramError('SyncFailed', `the sync server refused the key: ${text(e)}`, {
        cause: e,
      });
    const won = await fetchKeyDoc(remote);
    if (!won) throw new EngramError('SyncFailed', 'the sync server lost its key document');
    return won;
  }
}

/**
 * The doc-id key of this store's sync: from this device's copy of the key document, else from
 * the server's (published there first when it has none). Call before anything is replicated.
 * @throws `KeyMismatch` when the server's key document is of another data key; `SyncFailed`
 *   when it is needed and the server cannot be reached
 */
export async function docIdKey(
  store: KeySealer,
  local: KeyPouch,
  remote: KeyPouch,
): Promise<CryptoKey> {
  let doc = await local.get(CACHE_ID).then(
    (d) => (isKeyDoc(d) ? d : undefined),
    () => undefined,
  );
  const cached = doc !== undefined;
  if (!doc) {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    doc =
      (await fetchKeyDoc(remote)) ??
      (await publishKeyDoc(remote, {
        _id: KEY_DOC_ID,
        format: 1,
        header: store.header,
        idKey: await store.sealText(toBase64(raw.buffer), ID_KEY_WHERE),
      }));
  }
  let idKey: string;
  try {
    idKey = await store.openText(doc.idKey, ID_KEY_WHERE);
  } catch (e) {
    throw new EngramError('KeyMismatch', undefined, { cause: e });
  }
  if (!cached) {
    const { _rev: _r, _id: _i, ...rest } = doc;
    await local.put({ ...rest, _id: CACHE_ID });
  }
  return crypto.subtle.importKey(
    'raw',
    fromBase64(idKey),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
}

/**
 * For a device opening an encrypted store with sync: the data key on the server, unwrapped
 * with the store's secret, for the store to be set up with (a new device joining).
 * @returns undefined when the server has no key yet or cannot be reached (the store opens as
 *   it is; sync start tells a mismatch then)
 * @throws `WrongKey` when the secret does not open the server's data key (nothing is written)
 */
export async function serverDataKey(
  options: SyncOptions,
  secret: EncryptionSecret,
): Promise<{ header: EncryptionHeader; dataKey: CryptoKey } | undefined> {
  const remote = await remotePouch(options, true);
  let doc: SyncKeyDoc | undefined;
  try {
    doc = await fetchKeyDoc(remote);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'SyncFailed') return undefined;
    throw e;
  } finally {
    await remote.close().catch(() => {});
  }
  if (!doc) return undefined;
  return { header: doc.header, dataKey: await unwrapDataKey(doc.header, secret) };
}

/** A PouchDB error as text. */
function text(e: unknown): string {
  if (e instanceof Error) return e.message;
  const o = e as { status?: unknown; name?: unknown; message?: unknown } | null;
  return o && typeof o === 'object'
    ? `${String(o.status ?? '')} ${String(o.name ?? '')} ${String(o.message ?? '')}`.trim()
    : String(e);
}
