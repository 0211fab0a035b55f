// One constructor per mode.
import { EngramError, shown } from '../../errors';
import { BinaryCodec } from './binary';
import type { Codec, QuantMode } from './codec';
import { Fp16Codec } from './fp16';
import { Int8Codec } from './int8';

/**
 * A fresh (untrained) codec.
 * @param mode - the code
 * @param dim - vector length
 * @throws EngramError `InvalidArgument` for an unknown mode
 * @example
 * const codec = makeCodec('int8', 384);
 */
export function makeCodec(mode: QuantMode, dim: number): Codec {
  switch (mode) {
    case 'int8':
      return new Int8Codec(dim);
    case 'binary':
      return new BinaryCodec(dim);
    case 'fp16':
      return new Fp16Codec(dim);
    default:
      throw new EngramError('InvalidArgument', `unknown quantization mode ${shown(mode)}`);
  }
}
