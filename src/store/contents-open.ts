// What `verify()` reads of an encrypted store: every record opened where it opens. A record
// that does not open (damaged bytes, a ciphertext moved from another record) is left as
// stored, where `verify()` finds it unlike what the log replays to and reports it; an event
// whose payload does not open keeps an empty payload, whose hash does not match.
import { RecordCipher } from './cipher';
import type { StoredContents } from './contents';
import type { EventPayload, MetaRecord } from './records';

/**
 * The contents with every record opened where it opens.
 * @param cipher - the store's record cipher
 * @param c - the contents as stored
 */
export async function openContents(
  cipher: RecordCipher,
  c: StoredContents,
): Promise<StoredContents> {
  const meta = c.meta as MetaRecord | undefined;
  const each = <T>(xs: readonly T[], open: (x: T) => Promise<unknown>) =>
    Promise.all(xs.map(RecordCipher.lenient(open)));
  const vectors = (keys: number[], values: unknown[], rows: number, perKey: number) =>
    Promise.all(
      values.map(async (v, i) =>
        meta ? ((await cipher.openVectors(meta, keys[i]! * perKey, rows, v)) ?? v) : v,
      ),
    );
  const head = c.checkpoints.values[c.checkpoints.keys.indexOf(-1)] as
    { seq?: number; format?: number } | undefined;
  const [events, memories, versions, links, lexical, blocks, tail, chunks] = await Promise.all([
    Promise.all(
      c.events.map((e) => cipher.openEvent(e).catch(() => ({ ...e, payload: {} as EventPayload }))),
    ),
    each(c.memories, (m) => cipher.openMemory(m)),
    each(c.versions, (m) => cipher.openVersion(m)),
    each(c.links, (l) => cipher.openLink(l)),
    each(c.lexical, (r) => cipher.openRow(r)),
    vectors(c.vectorBlocks.keys, c.vectorBlocks.values, meta?.blockRows ?? 0, meta?.blockRows ?? 0),
    vectors(c.vectorTail.keys, c.vectorTail.values, 1, 1),
    Promise.all(
      c.checkpoints.values.map((v, i) => {
        const key = c.checkpoints.keys[i]!;
        if (key < 0) return v;
        const seq = head?.seq ?? -1;
        const open =
          head?.format === 3 ? cipher.openBytesChunk(seq, key, v) : cipher.openChunk(seq, key, v);
        return open.catch(() => v);
      }),
    ),
  ]);
  return {
    meta: c.meta,
    events,
    memories,
    versions,
    links,
    lexical,
    vectorBlocks: { keys: c.vectorBlocks.keys, values: blocks },
    vectorTail: { keys: c.vectorTail.keys, values: tail },
    checkpoints: { keys: c.checkpoints.keys, values: chunks },
  };
}
