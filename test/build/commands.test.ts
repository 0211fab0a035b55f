// Every command the README and package.json name works from the repo as a user runs it, at a
// small size. Run here: `npm start` (the playground server), `npm start` of examples/assistant
// (its build, then vite preview), `npm run eval:locomo` (one conversation),
// `npm run eval:beam` (one chat, hash vectors; once more `--via add`) and
// `npx vite-node eval/tune.ts -- --grid stages --hash` (two BEAM chats); the evals are skipped
// where ../shared/data is absent. Run elsewhere, so only checked to be the same commands:
// `npm run typecheck`, `npm run format:check` and `npm run docs` are the tsc, prettier and
// typedoc steps of `npm test` (scripts/test.mjs); `npm run build` runs in
// built-package.browser.test.ts (npm pack); the bench commands run in bench.test.ts and
// bench-diagnostics.test.ts, `node bench/gpu-device.mjs` in test/bench/gpu-device.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { childEnv } from '../helpers/child-process';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const LOCOMO = '../shared/data/locomo';
const BEAM = '../shared/data/beam';

test('npm start serves the playground on a free port and stops', { timeout: 120_000 }, async () => {
  // Its own process group, so that npm and the node it starts stop together.
  const child = spawn('npm', ['start', '--', '--port=0'], { detached: true, stdio: 'pipe' });
  let out = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Engram playground: (http:\/\/127\.0\.0\.1:\d+\/public\/index\.html)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => reject(new Error(`npm start exited ${code}:\n${out}`)));
    });
    expect(url).not.toContain(':5173/'); // --port=0 took a free port
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>Engram playground</title>');
    // "/" sends a person to the playground.
    const root = await fetch(new URL('/', url), { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/public/index.html');
    // The page's script is served transformed (TypeScript → JS) and imports the engine.
    const script = /<script[^>]+src="([^"]*playground\.ts)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(new URL(script!, url));
    expect(js.status).toBe(200);
    expect(await js.text()).toMatch(/import \{[^}]*Engram[^}]*\} from "\/src\/index.ts"/);
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
  }
  await new Promise((r) => (child.exitCode === null ? child.on('exit', r) : r(null)));
});

test(
  'cd examples/assistant && npm start builds the assistant and serves it with vite preview',
  { timeout: 150_000 },
  async () => {
    // As the README runs it; its own process group, so that npm, sh and vite stop together.
    const child = spawn('npm', ['start'], {
      cwd: 'examples/assistant',
      env: childEnv(),
      detached: true,
      stdio: 'pipe',
    });
    let out = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          // 4173 unless taken (vite preview then takes the next free port). Colours are on
          // where CI is set (picocolors), even inside the URL: read the text without them.
          const plain = out.replace(/\x1b\[[\d;]*m/g, '');
          const m = /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(plain);
          if (m) resolve(m[1]!);
        });
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => reject(new Error(`npm start exited ${code}:\n${out}`)));
      });
      expect(out.replace(/\x1b\[[\d;]*m/g, '')).toContain('✓ built in');
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Engram assistant</title>');
      // The service worker the build wrote, with its precache list.
      const sw = await fetch(new URL('sw.js', url));
      expect(sw.status).toBe(200);
      expect(await sw.text()).toMatch(/"files":\[/);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    }
    await new Promise((r) => (child.exitCode === null ? child.on('exit', r) : r(null)));
  },
);

test('npm start refuses a bad port', () => {
  const r = spawnSync('node', ['scripts/start.mjs', '--port=http'], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain("bad port 'http'");
});

/** Runs `npm run <script> -- <args>`; its stdout and the JSON of its last line. */
function runEval<T>(script: string, args: string[]): { stdout: string; last: T } {
  const r = spawnSync('npm', ['run', script, '--', ...args], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  return { stdout: r.stdout, last: JSON.parse(lines[lines.length - 1]!) as T };
}

/** recall@5 and recall@10 of an eval's JSON: 0 < recall@5 ≤ recall@10 ≤ 1. */
function expectRecalls(overall: Record<string, number>): void {
  const r5 = overall['recall@5']!;
  const r10 = overall['recall@10']!;
  expect(r5).toBeGreaterThan(0);
  expect(r10).toBeGreaterThanOrEqual(r5);
  expect(r10).toBeLessThanOrEqual(1);
}

test.skipIf(!existsSync(`${LOCOMO}/conv-30.json`))(
  'npm run eval:locomo on one conversation, without the ablation: a JSON last line',
  { timeout: 240_000 },
  () => {
    const { stdout, last } = runEval<{
      questions: number;
      k: number[];
      overall: Record<string, number>;
    }>('eval:locomo', ['--conv', 'conv-30', '--no-ablation', '--k', '5,10', '--json']);
    expect(stdout).toContain('LoCoMo retrieval, 105 questions');
    expect(last.questions).toBe(105);
    expect(last.k).toEqual([5, 10]);
    expectRecalls(last.overall);
  },
);

test('npm run typecheck, format:check and docs are the commands npm test runs', () => {
  expect(pkg.scripts.typecheck).toBe('tsc --noEmit');
  expect(pkg.scripts['format:check']).toBe('prettier --check .');
  expect(pkg.scripts.docs).toBe('typedoc --treatWarningsAsErrors');
  const runner = readFileSync('scripts/test.mjs', 'utf8');
  expect(runner).toContain("'tsc', ['--noEmit']");
  expect(runner).toMatch(/'prettier', \['--check', [^\]]*'\.'\]/);
  // The same TypeDoc run, without the type check tsc just made and without writing the HTML.
  expect(runner).toMatch(
    /'typedoc',\s*\[\s*'--treatWarningsAsErrors', '--skipErrorChecking', '--emit', 'none',?\s*\]/,
  );
  // eval/ is type-checked by the one tsc run, as part of tsconfig.json.
  const tsconfig = JSON.parse(readFileSync('tsconfig.json', 'utf8')) as { include: string[] };
  expect(tsconfig.include).toContain('eval');
});

test.skipIf(!existsSync(`${BEAM}/README.md`))(
  'npm run eval:beam on one chat with hash vectors: the JSON last line the issue gives',
  { timeout: 240_000 },
  () => {
    const { last } = runEval<{
      questions: number;
      k: number[];
      overall: Record<string, number>;
      byCategory: Record<string, Record<string, number>>;
      knowledgeUpdate: { newerFirst: number };
    }>('eval:beam', ['--chat', '1', '--hash', '--k', '5,10', '--json']);
    expect(last.questions).toBeGreaterThan(0);
    expect(last.k).toEqual([5, 10]);
    expectRecalls(last.overall);
    expect(Object.keys(last.byCategory).length).toBeGreaterThan(1);
    expect(last.knowledgeUpdate.newerFirst).toBeGreaterThanOrEqual(0);
    expect(last.knowledgeUpdate.newerFirst).toBeLessThanOrEqual(1);
  },
);

test.skipIf(!existsSync(`${BEAM}/README.md`))(
  'npm run eval:beam --via add on one chat: every message through add(), mapped back to messages',
  { timeout: 240_000 },
  () => {
    const { stdout, last } = runEval<{ questions: number; overall: Record<string, number> }>(
      'eval:beam',
      ['--chat', '1', '--hash', '--via', 'add', '--k', '5,10', '--json'],
    );
    expect(stdout).toContain(', via add');
    expect(last.questions).toBeGreaterThan(0);
    expectRecalls(last.overall);
  },
);

test('npm run eval:beam refuses an unknown --via', () => {
  const r = spawnSync('npm', ['run', 'eval:beam', '--', '--via', 'upsert'], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain("--via takes add or addMany, not 'upsert'");
  expect(r.stderr).not.toContain('    at '); // a usage message, not a stack trace
});

test.skipIf(!existsSync(`${BEAM}/100K/1/chat.json`) || !existsSync(`${BEAM}/100K/2/chat.json`))(
  'npx vite-node eval/tune.ts -- --grid stages --hash on two BEAM chats: measured, then held out',
  { timeout: 180_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'engram-tune-test-'));
    const tune = (args: string[]) => {
      const r = spawnSync('npx', ['vite-node', 'eval/tune.ts', '--', ...args], {
        encoding: 'utf8',
        timeout: 170_000,
      });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      return r.stdout.trim().split('\n');
    };
    try {
      const folds = join(dir, 'folds.json');
      // As the README runs it, on two chats (--chat) and measured apart (--only, --folds).
      const measured = tune(
        ['--grid', 'stages', '--hash', '--only', 'beam', '--chat', '1,2'].concat([
          '--folds',
          folds,
        ]),
      );
      expect(measured.at(-1)).toMatch(/^measured beam; total \d+ s$/);
      const saved = JSON.parse(readFileSync(folds, 'utf8')) as {
        bench: string;
        id: string;
        by: Record<string, unknown>;
      }[];
      expect(saved.map((f) => `${f.bench} ${f.id}`)).toEqual(['beam 1', 'beam 2']);
      const out = JSON.parse(
        tune(['--grid', 'stages', '--only', 'report', '--folds', folds, '--json']).at(-1)!,
      ) as {
        grid: string[];
        heldOut: { locomo: number | null; beam: number; newer: number };
        reference: { locomo: number | null; beam: number; newer: number };
        picks: Record<string, string>;
      };
      // The defaults, then each of the twelve stages turned off or on alone, all measured.
      expect(out.grid).toHaveLength(13);
      expect(out.grid[0]).toBe('defaults');
      for (const f of saved) expect(Object.keys(f.by).sort()).toEqual([...out.grid].sort());
      for (const r of [out.heldOut, out.reference]) {
        expect(r.locomo).toBeNull();
        expect(r.beam).toBeGreaterThan(0);
        expect(r.beam).toBeLessThanOrEqual(1);
        expect(r.newer).toBeGreaterThanOrEqual(0);
        expect(r.newer).toBeLessThanOrEqual(1);
      }
      expect(Object.keys(out.picks).sort()).toEqual(['beam 1', 'beam 2']);
      for (const p of Object.values(out.picks)) expect(out.grid).toContain(p);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
