// The record codec of an encrypted store, applied at the store boundary: every value is
// sealed (AES-GCM-256 under the data key, a fresh random 96-bit IV each time) before a
// transaction writes it, and opened after a read. The key fields a store indexes stay in
// clear (memory ids, slots, version numbers, link ends, event seq/type/actor/time and hashes);
// everything else goes into `sealed`. Each seal binds where the value belongs (its kind and
// key) as additional data, so a ciphertext moved to another record fails to open.
// WebCrypto is async and an IndexedDB transaction commits as soon as it waits on anything
// else, so sealing happens before a write transaction opens and opening after a read one.
// A store without encryption never calls any of this.
import { EngramError } from '../errors';
import { fromBase64, toBase64 } from './bytes';
import {
  isTombstone,
  type EventPayload,
  type EventRecord,
  type LexicalRow,
  type LinkRecord,
  type MemoryRecord,
  type MetaRecord,
} from './records';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes a seal adds to its plaintext (IV and tag). */
export const SEAL_OVERHEAD = IV_BYTES + TAG_BYTES;

/** Bytes of one stored vector row: `dim` float32, sealed when the store is encrypted. */
export function storedRowBytes(meta: Pick<MetaRecord, 'dim' | 'encryption'>): number {
  return meta.dim * 4 + (meta.encryption ? SEAL_OVERHEAD : 0);
}

/** A stored memory or past version: ids in clear, the record sealed. */
export interface SealedMemory {
  id: string;
  version: number;
  slot: number;
  sealed: ArrayBuffer;
}
/** A stored link: its ends in clear (the store's key), score and time sealed. */
export interface SealedLink {
  from: string;
  to: string;
  sealed: ArrayBuffer;
}
/** A stored lexical row: the id in clear, the terms sealed. */
export interface SealedRow {
  id: string;
  sealed: ArrayBuffer;
}
/** A stored event payload (a tombstone stays in clear: it holds only times and a seq). */
export interface SealedPayload {
  sealed: ArrayBuffer;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Marks bytes inside sealed JSON (a name no metadata key collides with by accident). */
const BYTES = '\u0000bytes';

function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v instanceof ArrayBuffer ? { [BYTES]: toBase64(v) } : v,
  );
}

function fromJson<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && typeof (v as Record<string, unknown>)[BYTES] === 'string'
      ? fromBase64((v as Record<string, string>)[BYTES]!)
      : v,
  ) as T;
}

function hasSealed(v: unknown): v is { sealed: ArrayBuffer } {
  return (
    typeof v === 'object' && v !== null && (v as { sealed?: unknown }).sealed instanceof ArrayBuffer
  );
}

/** Seals and opens a store's records under its data key. */
export class RecordCipher {
  /** @param key - the data key (AES-GCM-256, usages encrypt and decrypt) */
  constructor(private readonly key: CryptoKey) {}

  /**
   * IV ‖ ciphertext ‖ tag of `plain`, bound to `where`.
   * @param iv - 12 bytes; default fresh random ones. A given IV must never seal two different
   *   plaintexts: only a synthetic one (a keyed hash of `where` and `plain`, as sync documents
   *   use) may be passed
   */
  async seal(
    plain: Uint8Array<ArrayBuffer>,
    where: string,
    iv: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(IV_BYTES)),
  ): Promise<ArrayBuffer> {
    const ct = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: utf8.encode(where), tagLength: TAG_BYTES * 8 },
      this.key,
      plain,
    );
    const out = new Uint8Array(IV_BYTES + ct.byteLength);
    out.set(iv);
    out.set(new Uint8Array(ct), IV_BYTES);
    return out.buffer;
  }

  /**
   * The plaintext of a seal made for `where`.
   * @throws EngramError `CorruptStore` when it does not open (damaged, moved, another key)
   */
  async open(sealed: Uint8Array<ArrayBuffer>, where: string): Promise<ArrayBuffer> {
    try {
      return await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: sealed.subarray(0, IV_BYTES),
          additionalData: utf8.encode(where),
          tagLength: TAG_BYTES * 8,
        },
        this.key,
        sealed.subarray(IV_BYTES),
      );
    } catch (e) {
      throw new EngramError('CorruptStore', `A sealed record (${where}) does not open`, {
        cause: e,
      });
    }
  }

  private sealJson(value: unknown, where: string): Promise<ArrayBuffer> {
    return this.seal(utf8.encode(toJson(value)), where);
  }

  private async openJson<T>(sealed: ArrayBuffer, where: string): Promise<T> {
    const plain = await this.open(new Uint8Array(sealed), where);
    return fromJson<T>(fromUtf8.decode(plain));
  }

  /** A current memory as stored. */
  async sealMemory(m: MemoryRecord): Promise<SealedMemory> {
    return {
      id: m.id,
      version: m.version,
      slot: m.slot,
      sealed: await this.sealJson(m, `m:${m.id}`),
    };
  }
  /** A past version as stored (bound to its id and version: it cannot pass for the current one). */
  async sealVersion(m: MemoryRecord): Promise<SealedMemory> {
    const where = `v:${m.id}:${m.version}`;
    return { id: m.id, version: m.version, slot: m.slot, sealed: await this.sealJson(m, where) };
  }
  async sealLink(l: LinkRecord): Promise<SealedLink> {
    return { from: l.from, to: l.to, sealed: await this.sealJson(l, `l:${l.from}>${l.to}`) };
  }
  async sealRow(r: LexicalRow): Promise<SealedRow> {
    return { id: r.id, sealed: await this.sealJson(r, `x:${r.id}`) };
  }
  /** An event as stored: its payload sealed, bound to its seq (tombstones stay as they are). */
  async sealEvent(e: EventRecord): Promise<EventRecord> {
    if (isTombstone(e.payload)) return e;
    const payload: SealedPayload = { sealed: await this.sealJson(e.payload, `e:${e.seq}`) };
    return { ...e, payload: payload as unknown as EventPayload };
  }
  /** A vector row as stored: `dim × 4 + SEAL_OVERHEAD` bytes, bound to its slot. */
  sealVector(slot: number, v: Float32Array): Promise<ArrayBuffer> {
    return this.seal(new Uint8Array(v.slice().buffer), `s:${slot}`);
  }
  /** A line of an encrypted export, a sync document (base64 of the seal; `iv` as in {@link seal}). */
  async sealText(text: string, where: string, iv?: Uint8Array<ArrayBuffer>): Promise<string> {
    return toBase64(await this.seal(utf8.encode(text), where, iv));
  }
  /** The text of {@link sealText}'s output. @throws `CorruptStore` (or a DOMException for bad base64) */
  async openText(b64: string, where: string): Promise<string> {
    return fromUtf8.decode(await this.open(new Uint8Array(fromBase64(b64)), where));
  }
  /** A checkpoint chunk as stored. */
  sealChunk(seq: number, index: number, text: string): Promise<ArrayBuffer> {
    return this.seal(utf8.encode(text), `c:${seq}:${index}`);
  }
  /** A checkpoint chunk of bytes (format 3) as stored. */
  sealBytesChunk(seq: number, index: number, bytes: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
    return this.seal(bytes, `c3:${seq}:${index}`);
  }

  async openMemory(raw: unknown): Promise<MemoryRecord> {
    const r = raw as SealedMemory;
    return this.openJson<MemoryRecord>(r.sealed, `m:${r.id}`);
  }
  async openVersion(raw: unknown): Promise<MemoryRecord> {
    const r = raw as SealedMemory;
    return this.openJson<MemoryRecord>(r.sealed, `v:${r.id}:${r.version}`);
  }
  async openLink(raw: unknown): Promise<LinkRecord> {
    const r = raw as SealedLink;
    return this.openJson<LinkRecord>(r.sealed, `l:${r.from}>${r.to}`);
  }
  async openRow(raw: unknown): Promise<LexicalRow> {
    const r = raw as SealedRow;
    return this.openJson<LexicalRow>(r.sealed, `x:${r.id}`);
  }
  async openEvent(raw: EventRecord): Promise<EventRecord> {
    if (!hasSealed(raw.payload)) return raw; // a tombstone
    return {
      ...raw,
      payload: await this.openJson<EventPayload>(raw.payload.sealed, `e:${raw.seq}`),
    };
  }
  /** A checkpoint chunk's text. */
  async openChunk(seq: number, index: number, raw: unknown): Promise<string> {
    if (!(raw instanceof ArrayBuffer))
      throw new EngramError('CorruptStore', `checkpoint chunk ${index} is not sealed bytes`);
    return fromUtf8.decode(await this.open(new Uint8Array(raw), `c:${seq}:${index}`));
  }
  /** The bytes of a sealed checkpoint chunk of format 3. @throws `CorruptStore` */
  async openBytesChunk(seq: number, index: number, raw: unknown): Promise<ArrayBuffer> {
    if (!(raw instanceof ArrayBuffer))
      throw new EngramError('CorruptStore', `checkpoint chunk ${index} is not sealed bytes`);
    return this.open(new Uint8Array(raw), `c3:${seq}:${index}`);
  }

  /**
   * The float32 rows of a stored block or tail row (`rows` sealed rows from slot `first`);
   * an all-zero row (never written, or erased) is a zero vector.
   * @returns the plaintext bytes, or undefined when the length is wrong or a row does not open
   */
  async openVectors(
    meta: Pick<MetaRecord, 'dim' | 'encryption'>,
    first: number,
    rows: number,
    raw: unknown,
  ): Promise<ArrayBuffer | undefined> {
    const size = storedRowBytes(meta);
    if (!(raw instanceof ArrayBuffer) || raw.byteLength !== rows * size) return undefined;
    const out = new Uint8Array(rows * meta.dim * 4);
    const bytes = new Uint8Array(raw);
    try {
      await Promise.all(
        Array.from({ length: rows }, async (_, i) => {
          const row = bytes.subarray(i * size, (i + 1) * size);
          if (row.every((b) => b === 0)) return;
          out.set(new Uint8Array(await this.open(row, `s:${first + i}`)), i * meta.dim * 4);
        }),
      );
    } catch {
      return undefined;
    }
    return out.buffer;
  }

  /**
   * Current memories, past versions, links and lexical rows as stored, opened.
   * @param onFail - when given, a record that does not open is left out and told here
   *   (else it throws `CorruptStore`)
   */
  async openDerived(
    d: {
      memories: readonly unknown[];
      versions: readonly unknown[];
      links: readonly unknown[];
      lexical: readonly unknown[];
    },
    onFail?: (where: string) => void,
  ): Promise<{
    memories: MemoryRecord[];
    versions: MemoryRecord[];
    links: LinkRecord[];
    lexical: LexicalRow[];
  }> {
    const all = async <T>(xs: readonly unknown[], open: (x: unknown) => Promise<T>) => {
      const out = await Promise.all(
        xs.map((x) =>
          onFail
            ? open(x).catch((e: unknown) => void onFail(String((e as Error).message ?? e)))
            : open(x),
        ),
      );
      return out.filter((x): x is Awaited<T> => x !== undefined);
    };
    const [memories, versions, links, lexical] = await Promise.all([
      all(d.memories, (m) => this.openMemory(m)),
      all(d.versions, (m) => this.openVersion(m)),
      all(d.links, (l) => this.openLink(l)),
      all(d.lexical, (r) => this.openRow(r)),
    ]);
    return { memories, versions, links, lexical };
  }

  /** `openX` that hands back the raw value when it does not open (for `verify()`, which reports it). */
  static lenient<T>(open: (raw: T) => Promise<unknown>): (raw: T) => Promise<unknown> {
    return (raw) => open(raw).catch(() => raw);
  }
}
