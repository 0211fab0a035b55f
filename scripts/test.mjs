// `npm test`: format check, type checks and the API reference side by side, then every test
// (Node and real Chromium). Ends with one summary line "tests: N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
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

/**
 * Runs the checks all at once (each is one Node process on one core: one after another they
 * left a core of CI's two idle for a minute), then prints each one's output in this order.
 * @returns 1 when any failed
 */
async function checks(list) {
  const runs = list.map(
    ([name, bin, args]) =>
      new Promise((done) => {
        const child = spawn(`node_modules/.bin/${bin}`, args, { env: process.env });
        const out = [];
        child.stdout.on('data', (b) => out.push(b));
        child.stderr.on('data', (b) => out.push(b));
        child.on('error', (e) => done({ name, code: 1, out: [Buffer.from(`${e}\n`)] }));
        child.on('close', (code) => done({ name, code: code ?? 1, out }));
      }),
  );
  let failed = 0;
  for (const run of runs) {
    const { name, code, out } = await run;
    console.log(`\n▶ ${name}`);
    process.stdout.write(Buffer.concat(out));
    if (code !== 0) {
      console.log(`(${name}: exit code ${code})`);
      failed = 1;
    }
  }
  return failed;
}

// tsconfig.json includes eval/: one program checks src/, eval/ and the rest (eval/ as its own
// program, `tsc -p eval`, type-checked src/ a second time: 20 CPU-s; with the rest, ≈ 0).
// TypeDoc fails on its warnings (an export missing from the reference) as `npm run docs` does,
// but neither type-checks again (tsc just did: 10 CPU-s) nor writes the HTML here (`npm run
// docs` does).
let failed = await checks([
  ['format (prettier --check)', 'prettier', ['--check', '--log-level', 'warn', '.']],
  ['types (tsc --noEmit: src/, eval/, test/, bench/, examples/)', 'tsc', ['--noEmit']],
  [
    'API reference (typedoc, warnings are errors)',
    'typedoc',
    ['--treatWarningsAsErrors', '--skipErrorChecking', '--emit', 'none'],
  ],
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
