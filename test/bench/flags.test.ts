// The benchmark drivers' flags: `--help` prints the usage, a flag a driver does not know stops
// it before anything starts (a typo such as `--size=` used to run a long bench on defaults).
import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';

const run = (...args: string[]) =>
  spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });

test('--help prints the driver usage and starts nothing', () => {
  const r = run('bench/scale.mjs', '--help');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('node bench/scale.mjs [--sizes=');
});

test('an unknown flag exits with code 2 and names it, through run.mjs too', () => {
  const direct = run('bench/scale.mjs', '--size=10');
  expect(direct.status).toBe(2);
  expect(direct.stderr).toContain('unknown flag --size');
  const viaRun = run('bench/run.mjs', 'sync', '--event=5');
  expect(viaRun.status).toBe(2);
  expect(viaRun.stderr).toContain('unknown flag --event');
  expect(viaRun.stderr).toContain('node bench/run.mjs sync');
});
