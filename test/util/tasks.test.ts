import { expect, test } from 'vitest';
import { nextTask, runInSlices } from '../../src/util/tasks';

function* steps(log: string[], n: number): Generator<void, string> {
  for (let i = 0; i < n; i++) {
    log.push(`step ${i}`);
    yield;
  }
  return 'done';
}

test('runInSlices yields first, runs one step per task at sliceMs 0, calls between() before each later slice, returns the result', async () => {
  const log: string[] = [];
  const run = runInSlices(steps(log, 3), { sliceMs: 0, between: () => log.push('between') });
  log.push('caller goes on');
  // Work queued meanwhile (a search's message) runs between two slices.
  void (async () => {
    for (let i = 0; i < 3; i++) {
      await nextTask();
      log.push(`other ${i}`);
    }
  })();
  expect(await run).toBe('done');
  expect(log).toEqual([
    'caller goes on',
    'step 0',
    'other 0',
    'between',
    'step 1',
    'other 1',
    'between',
    'step 2',
    'other 2',
    'between',
  ]);
});

test('runInSlices runs steps for about sliceMs per task, and stops where between() throws', async () => {
  const log: string[] = [];
  expect(await runInSlices(steps(log, 50), { sliceMs: 1000 })).toBe('done');
  expect(log).toHaveLength(50);
  let slices = 0;
  const stopped = runInSlices(steps([], 50), {
    sliceMs: 0,
    between: () => {
      if (++slices === 3) throw new Error('stop');
    },
  });
  await expect(stopped).rejects.toThrow('stop');
  expect(slices).toBe(3);
});
