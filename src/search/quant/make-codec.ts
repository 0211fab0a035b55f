// One constructor per mode.
import { EngramError, shown } from '../../errors';
import { PcaCodec } from '../pca';
import { BinaryCodec } from './binary';
import type { Codec, QuantMode } from './codec';
import { Fp16Codec } from './fp16';
import { Int8Codec } from './int8';

/**
 * A fresh (untrained) codec.
 * @param mode - the code
 * @param dim - vector length
 * @param rank - target dims of `'pca'`
 * @throws EngramError `InvalidArgument` for an unknown mode or a bad rank
 * @example
 * const codec = makeCodec('int8', 384, 0);
 */
export function makeCodec(mode: QuantMode, dim: number, rank: number): Codec {
  switch (mode) {
    case 'int8':
      return new Int8Codec(dim);
    case 'binary':
      return new BinaryCodec(dim);
    case 'fp16':
      return new Fp16Codec(dim);
    case 'pca':
      if (!Number.isInteger(rank) || rank < 1 || rank > dim) {
        throw new EngramError('InvalidArgument', `rank must be an integer in 1..${dim}`);
      }
      return new PcaCodec(dim, rank);
    default:
      throw new EngramError('InvalidArgument', `unknown quantization mode ${shown(mode)}`);
  }
}
