// Where a write came from and which change set it belongs to: recorded on every event
// written through add, addMany, update and delete (payload fields `source` and `changeSet`).
import { EngramError } from '../errors';
import type { EventPayload } from '../store/records';

/** The source of a write when none is named. */
export const DEFAULT_SOURCE = 'user';

/** Longest source name or change-set id, characters. */
const MAX_TAG_LENGTH = 200;

/** Options that tag a write (part of the options of add, addMany items, update and delete). */
export interface WriteTagOptions {
  /**
   * Where the text came from: `'user'` (default), `'web'`, `'tool'`, … — any short name.
   * Recorded on the write's events; `audit({ source })` lists them.
   */
  source?: string;
  /**
   * The change set the write belongs to: writes with the same id are undone together by
   * `rollback(id)`. `batch()` picks one for you; pass your own to group writes made apart.
   */
  changeSet?: string;
}

/** A checked write tag. */
export interface WriteTag {
  source: string;
  changeSet?: string;
}

function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TAG_LENGTH)
    throw new EngramError(
      'InvalidArgument',
      `${what} must be a non-empty string of at most ${MAX_TAG_LENGTH} characters`,
    );
  return value;
}

/** Checks `source` and `changeSet` of an options object. @throws `InvalidArgument` */
export function checkWriteTag(o: WriteTagOptions | undefined): WriteTag {
  const source = o?.source === undefined ? DEFAULT_SOURCE : checkName(o.source, 'source');
  if (o?.changeSet === undefined) return { source };
  return { source, changeSet: checkName(o.changeSet, 'changeSet') };
}

/** The payload fields that record a tag. */
export function tagFields(tag: WriteTag): Pick<EventPayload, 'source' | 'changeSet'> {
  return tag.changeSet === undefined
    ? { source: tag.source }
    : { source: tag.source, changeSet: tag.changeSet };
}
