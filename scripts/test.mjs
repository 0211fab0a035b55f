// `npm test`: format check, type check, then every test (Node and real Chromium).
// Ends with one summary line "tests: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { findChromium } from './find-chromium.mjs';

try {
  process.env.CHROMIUM_PATH = findChromium();
} catch (e) {
  console.error(String(e instanceof Error ? e.message : e));
  process.exit(1);
}

function step(name, bin, args) {
  console.log(`\n▶ ${name}`);
  const r = spawnSync(`node_modules/.bin/${bin}`, args, { stdio: 'inherit', env: process.env });
  return r.status ?? 1;
}

let failed = 0;
failed |= step('format (prettier --check)', 'prettier', ['--check', '--log-level', 'warn', '.']);
failed |= step('types (tsc --noEmit)', 'tsc', ['--noEmit']);
failed |= step('types of eval/ (tsc --noEmit -p eval)', 'tsc', ['--noEmit', '-p', 'eval']);
failed |= step('API reference (typedoc, warnings are errors)', 'typedoc', [
  '--treatWarningsAsErrors',
]);
mkdirSync('test-results', { recursive: true });
const extra = process.argv.slice(2);
failed |= step('tests (vitest: Node + headless Chromium)', 'vitest', [
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=test-results/vitest.json',
  ...extra,
]);
try {
  const r = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(
    `\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` +
      (skipped ? `, ${skipped} skipped` : ''),
  );
  if (r.numTotalTests === 0) failed = 1;
} catch {
  console.log('\ntests: 0 passed, 1 failed');
  failed = 1;
}
process.exit(failed ? 1 : 0);
