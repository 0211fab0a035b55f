// The data key of an encrypted store: a random AES-GCM-256 key that seals every record
// (see `cipher.ts`), kept in the meta record only wrapped (AES-GCM) by a key-encryption key:
// derived from a passphrase with PBKDF2-SHA-256, or a CryptoKey the app holds. PBKDF2 and
// not Argon2id because it is native to WebCrypto in every browser, Worker and Node: no wasm
// to ship, load or trust, and the derivation runs off the main thread. Changing the
// passphrase rewraps the data key; no record is rewritten.
import { EngramError } from '../errors';
import { fromBase64, toBase64 } from './bytes';

/** PBKDF2 iterations for a new passphrase (OWASP's 2023 figure for PBKDF2-HMAC-SHA-256). */
export const PBKDF2_ITERATIONS = 600_000;

/** What opens an encrypted store: a passphrase, or a key-encryption key. */
export type EncryptionSecret = { passphrase: string } | { key: CryptoKey };

/** How the data key is wrapped, as kept in the meta record (nothing in it is secret). */
export interface EncryptionHeader {
  /** Format of this header and of the sealed records. */
  format: 1;
  /** Records are sealed with AES-GCM-256 under the data key. */
  cipher: 'AES-GCM-256';
  /** What wraps the data key: a passphrase through PBKDF2-SHA-256, or a caller's CryptoKey. */
  wrap: 'PBKDF2-SHA-256' | 'key';
  /** PBKDF2 iterations and salt (base64, 16 bytes); only with a passphrase. */
  iterations?: number;
  salt?: string;
  /** IV of the wrapping (base64, 12 bytes; absent for an AES-KW key). */
  iv?: string;
  /** The wrapped data key (base64). */
  wrappedKey: string;
}

/** Bound to every wrapping as additional data, so no other wrapped blob passes for the data key. */
const WRAP_AAD = new TextEncoder().encode('engram data key v1');

/** Throws `InvalidArgument` unless `secret` is `{ passphrase }` (non-empty) or `{ key }` (a CryptoKey that wraps). */
export function checkSecret(secret: unknown, what = 'encryption'): EncryptionSecret {
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret))
    throw new EngramError('InvalidArgument', `${what} must be { passphrase } or { key }`);
  const names = Object.keys(secret);
  const { passphrase, key } = secret as { passphrase?: unknown; key?: unknown };
  if (names.length !== 1 || (passphrase === undefined && key === undefined))
    throw new EngramError('InvalidArgument', `${what} takes exactly one of passphrase or key`);
  if (passphrase !== undefined) {
    if (typeof passphrase !== 'string' || passphrase.length === 0)
      throw new EngramError('InvalidArgument', `${what}.passphrase must be a non-empty string`);
    return { passphrase };
  }
  if (typeof CryptoKey === 'undefined' || !(key instanceof CryptoKey))
    throw new EngramError('InvalidArgument', `${what}.key must be a CryptoKey`);
  const alg = key.algorithm.name;
  if (
    (alg !== 'AES-GCM' && alg !== 'AES-KW') ||
    !key.usages.includes('wrapKey') ||
    !key.usages.includes('unwrapKey')
  )
    throw new EngramError(
      'InvalidArgument',
      `${what}.key must be an AES-GCM or AES-KW key with the usages wrapKey and unwrapKey`,
    );
  return { key };
}

/** The key-encryption key of a secret (PBKDF2 for a passphrase). */
async function wrappingKey(
  secret: EncryptionSecret,
  salt: Uint8Array<ArrayBuffer> | undefined,
  iterations: number,
): Promise<CryptoKey> {
  if ('key' in secret) return secret.key;
  const base = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret.passphrase),
    'PBKDF2',
    false,
    ['deriveKey'],
  );
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt!, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['wrapKey', 'unwrapKey'],
  );
}

/** Wrap parameters for a key-encryption key (AES-KW takes no IV). */
function wrapParams(kek: CryptoKey, iv: Uint8Array<ArrayBuffer> | undefined): AlgorithmIdentifier {
  return kek.algorithm.name === 'AES-KW'
    ? 'AES-KW'
    : ({ name: 'AES-GCM', iv: iv!, additionalData: WRAP_AAD } as AesGcmParams);
}

/** Wraps an extractable data key under a secret: a new header (fresh salt and IV), and its wrapping key. */
async function wrapUnder(
  dataKey: CryptoKey,
  secret: EncryptionSecret,
): Promise<{ header: EncryptionHeader; kek: CryptoKey }> {
  const passphrase = 'passphrase' in secret;
  const salt = passphrase ? crypto.getRandomValues(new Uint8Array(16)) : undefined;
  const kek = await wrappingKey(secret, salt, PBKDF2_ITERATIONS);
  const iv =
    kek.algorithm.name === 'AES-KW' ? undefined : crypto.getRandomValues(new Uint8Array(12));
  const wrapped = await crypto.subtle.wrapKey('raw', dataKey, kek, wrapParams(kek, iv));
  const header: EncryptionHeader = {
    format: 1,
    cipher: 'AES-GCM-256',
    wrap: passphrase ? 'PBKDF2-SHA-256' : 'key',
    ...(salt ? { iterations: PBKDF2_ITERATIONS, salt: toBase64(salt.buffer) } : {}),
    ...(iv ? { iv: toBase64(iv.buffer) } : {}),
    wrappedKey: toBase64(wrapped),
  };
  return { header, kek };
}

/**
 * A new random data key and its header.
 * @returns the header to store and the data key for sealing (not extractable)
 */
export async function createDataKey(
  secret: EncryptionSecret,
): Promise<{ header: EncryptionHeader; dataKey: CryptoKey }> {
  const fresh = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, [
    'encrypt',
    'decrypt',
  ]);
  const { header, kek } = await wrapUnder(fresh, secret);
  return { header, dataKey: await unwrapWith(kek, header, false) };
}

/**
 * Unwraps the data key of a header.
 * @param extractable - true only to rewrap it (`changePassphrase`)
 * @throws `WrongKey` when the secret does not open it (wrong passphrase or key, or the other kind)
 */
export async function unwrapDataKey(
  header: EncryptionHeader,
  secret: EncryptionSecret,
  extractable = false,
): Promise<CryptoKey> {
  const kind = 'passphrase' in secret ? 'PBKDF2-SHA-256' : 'key';
  if (header.wrap !== kind)
    throw new EngramError(
      'WrongKey',
      header.wrap === 'key'
        ? 'This store is opened with a key, not a passphrase'
        : 'This store is opened with a passphrase, not a key',
    );
  let salt: Uint8Array<ArrayBuffer> | undefined;
  try {
    salt = header.salt === undefined ? undefined : new Uint8Array(fromBase64(header.salt));
  } catch (e) {
    throw new EngramError('CorruptStore', 'The wrapped data key is unreadable', { cause: e });
  }
  const kek = await wrappingKey(secret, salt, header.iterations ?? PBKDF2_ITERATIONS);
  return unwrapWith(kek, header, extractable);
}

/** The data key of a header, unwrapped with its wrapping key. @throws `WrongKey` */
async function unwrapWith(
  kek: CryptoKey,
  header: EncryptionHeader,
  extractable: boolean,
): Promise<CryptoKey> {
  let iv: Uint8Array<ArrayBuffer> | undefined;
  let wrapped: ArrayBuffer;
  try {
    iv = header.iv === undefined ? undefined : new Uint8Array(fromBase64(header.iv));
    wrapped = fromBase64(header.wrappedKey);
  } catch (e) {
    throw new EngramError('CorruptStore', 'The wrapped data key is unreadable', { cause: e });
  }
  try {
    return await crypto.subtle.unwrapKey(
      'raw',
      wrapped,
      kek,
      wrapParams(kek, iv),
      { name: 'AES-GCM', length: 256 },
      extractable,
      ['encrypt', 'decrypt'],
    );
  } catch (e) {
    throw new EngramError('WrongKey', undefined, { cause: e });
  }
}

/**
 * The header of the same data key wrapped under another secret (fresh salt and IV).
 * @throws `WrongKey` when `old` does not open `header`
 */
export async function rewrapDataKey(
  header: EncryptionHeader,
  old: EncryptionSecret,
  next: EncryptionSecret,
): Promise<EncryptionHeader> {
  return (await wrapUnder(await unwrapDataKey(header, old, true), next)).header;
}
