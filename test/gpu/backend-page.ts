// Runs in the test page: backend choices and device-loss fallback.
import { ResilientGpuIndex } from '../../src/gpu/resilient-index';
import { createVectorIndex } from '../../src/engine/vector-index-factory';
import type { SearchHits } from '../../src/search/vector-index';
import { sixteenths } from '../search/fixtures';

/** A backend decision as plain data. */
export interface Choice {
  backend: string;
  kind: string;
  reason: string;
  software: boolean | null;
  log: string[];
}

/** What `createVectorIndex` picks for 'auto' and 'webgpu' in this browser. */
export async function choices(): Promise<{ auto: Choice; webgpu: Choice }> {
  const pick = async (backend: 'auto' | 'webgpu'): Promise<Choice> => {
    const log: string[] = [];
    const c = await createVectorIndex({ dim: 32, backend, log: (m) => log.push(m) });
    const out = {
      backend: c.backend,
      kind: c.index.kind,
      reason: c.reason,
      software: c.adapter?.software ?? null,
      log,
    };
    c.index.dispose();
    return out;
  };
  return { auto: await pick('auto'), webgpu: await pick('webgpu') };
}

const lists = (hits: SearchHits[]): number[][] => hits.map((h) => Array.from(h.slots));

/**
 * Forced WebGPU index; destroys its device mid-life and checks it keeps
 * answering (from the CPU copy), takes writes, then recovers on a new device.
 */
export async function deviceLoss(): Promise<Record<string, unknown>> {
  const dim = 64;
  const log: string[] = [];
  const chosen = await createVectorIndex({ dim, backend: 'webgpu', log: (m) => log.push(m) });
  const index = chosen.index as ResilientGpuIndex;
  const data = sixteenths(3000, dim, 9);
  await index.write(0, data.subarray(0, 2000 * dim));
  index.remove([5, 6, 7]);
  const queries = data.slice(0, 4 * dim);
  const before = lists(await index.search(queries, 20));
  const kindBefore = index.kind;
  const device = index.gpu!.device;
  device.destroy();
  await device.lost;
  const during = lists(await index.search(queries, 20)); // mirror answers
  const kindDuring = index.kind;
  await index.write(2000, data.subarray(2000 * dim)); // mirror takes writes while lost
  index.restore([6]);
  const recovered = await index.recover();
  const after = lists(await index.search(queries, 20));
  const cpuAfter = lists(await index.cpu.search(queries, 20));
  const kindAfter = index.kind;
  const sameDevice = index.gpu?.device === device;
  index.dispose();
  return {
    before,
    during,
    after,
    cpuAfter,
    kindBefore,
    kindDuring,
    kindAfter,
    recovered,
    sameDevice,
    log,
  };
}
