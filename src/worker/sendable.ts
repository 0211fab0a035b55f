import { EngramError } from '../errors';

/**
 * Deepest nesting of arrays and objects an argument may have to be sent into the Worker.
 * Deeper values can pass the page's structured clone and then fail to deserialise in the
 * Worker, where the failure (a `messageerror`) names no call, so the call would never settle.
 */
export const MAX_SEND_DEPTH = 256;

/**
 * Throws `InvalidArgument` when an argument nests arrays or objects deeper than
 * {@link MAX_SEND_DEPTH}. Iterative, so it cannot overflow the stack itself; shared and cyclic
 * references are visited once.
 * @param args - the arguments of one call
 */
export function checkSendable(args: readonly unknown[]): void {
  const seen = new Set<object>();
  const stack: [unknown, number][] = args.map((a) => [a, 1]);
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || seen.has(v)) continue;
    if (depth > MAX_SEND_DEPTH)
      throw new EngramError(
        'InvalidArgument',
        `an argument nests deeper than ${MAX_SEND_DEPTH} levels; the Worker cannot receive it`,
      );
    seen.add(v);
    const values: unknown[] = Array.isArray(v)
      ? v
      : v instanceof Map
        ? [...v.keys(), ...v.values()]
        : v instanceof Set
          ? [...v]
          : Object.values(v);
    for (const x of values) stack.push([x, depth + 1]);
  }
}
