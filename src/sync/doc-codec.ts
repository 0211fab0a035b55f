// How an event's document is stored in the local PouchDB and so on the server. Unencrypted
// stores write the `SyncDoc` as it is. Encrypted stores write `{ _id, sealed }` only: `sealed`
// is the whole `SyncDoc` (device, seq, hashes, type, memory id, time, actor, payload) sealed
// with AES-GCM-256 under the store's data key (synthetic IV, see `syntheticIv`), bound to
// the document's `_id`; the `_id` is
// HMAC-SHA-256 under the doc-id key (see `sync-key.ts`) of the event's name, so it names the
// event on every replica without being a hash of its content. Merge order is unchanged: it
// reads the event's name and time from inside the opened document.
import { isSyncDoc, type SyncDoc } from './sync-doc';

/** Encodes event documents for the PouchDB and decodes what it holds. */
export interface DocCodec {
  /** The stored form of a document (its `_id` may differ from the event's name). */
  encode(doc: SyncDoc): Promise<{ _id: string }>;
  /** The event document of a stored one; undefined for anything else (ignored). */
  decode(stored: unknown): Promise<SyncDoc | undefined>;
}

/** Unencrypted stores: documents as they are. */
export const plainCodec: DocCodec = {
  encode: (doc) => Promise.resolve(doc),
  decode: (stored) => Promise.resolve(isSyncDoc(stored) ? stored : undefined),
};

/** An encrypted store's event document as stored. */
interface SealedDoc {
  _id: string;
  _rev?: string;
  /** base64 of IV ‖ ciphertext ‖ tag of the `SyncDoc` as JSON (its `_id` as `name`). */
  sealed: string;
}

function isSealedDoc(v: unknown): v is SealedDoc {
  const d = v as Partial<SealedDoc> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d._id === 'string' &&
    !d._id.startsWith('_') &&
    typeof d.sealed === 'string'
  );
}

/** Seals under the data key (`MemoryStore.sealText` / `openText`). */
export interface DocSealer {
  sealText(text: string, where: string, iv?: Uint8Array<ArrayBuffer>): Promise<string>;
  openText(b64: string, where: string): Promise<string>;
}

const utf8 = new TextEncoder();

/** Hex of HMAC-SHA-256(key, name). */
async function keyedId(key: CryptoKey, name: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(name)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The IV of a document's seal: the first 12 bytes of HMAC-SHA-256(key, "iv:" ‖ where ‖ text)
 * (a synthetic IV, as in AES-GCM-SIV): the same document sealed on two devices is the same
 * bytes, so when both rewrite an erased event's document they write the same revision, not
 * two conflicting ones; an IV repeats only with the very same plaintext.
 */
async function syntheticIv(
  key: CryptoKey,
  where: string,
  text: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const mac = await crypto.subtle.sign('HMAC', key, utf8.encode(`iv:${where}\u0000${text}`));
  return new Uint8Array(mac.slice(0, 12));
}

/**
 * Encrypted stores: documents sealed whole, named by keyed id (see the file comment).
 * @param sealer - seals under the store's data key
 * @param idKey - the doc-id key (HMAC-SHA-256)
 * @param log - told about a document that does not open (left out)
 */
export function sealedCodec(
  sealer: DocSealer,
  idKey: CryptoKey,
  log: (message: string) => void,
): DocCodec {
  return {
    async encode(doc) {
      const { _id: name, _rev: _r, ...rest } = doc;
      const id = await keyedId(idKey, name);
      const text = JSON.stringify({ ...rest, name });
      const where = `y:${id}`;
      return {
        _id: id,
        sealed: await sealer.sealText(text, where, await syntheticIv(idKey, where, text)),
      };
    },
    async decode(stored) {
      if (!isSealedDoc(stored)) return undefined;
      let inner: { name?: unknown } & Record<string, unknown>;
      try {
        inner = JSON.parse(await sealer.openText(stored.sealed, `y:${stored._id}`)) as typeof inner;
      } catch {
        log(`engram: sync: document ${stored._id} does not open with this store's key: skipped`);
        return undefined;
      }
      const { name, ...rest } = inner;
      const doc: unknown = { ...rest, _id: name };
      if (!isSyncDoc(doc) || (await keyedId(idKey, doc._id)) !== stored._id) {
        log(`engram: sync: document ${stored._id} is not the event it names: skipped`);
        return undefined;
      }
      return doc;
    },
  };
}
