// Runs a project command as a user runs it (from the repo root) and reads the JSON line it ends
// with: how the bench tests check that each command the docs name still works.
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

/**
 * Runs `cmd args` in the repo root; expects exit 0 (its output in the message otherwise).
 * @returns its stdout's last line, parsed as JSON
 */
export function lastJson(cmd: string, args: string[]): unknown {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 170_000 });
  expect(r.status, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!);
}

/** Expects `v` to be a finite number above 0. */
export const positive = (v: number): void =>
  expect(Number.isFinite(v) && v > 0, String(v)).toBe(true);
