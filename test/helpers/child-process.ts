// Runs the project's commands (npm, vite, build scripts) as child processes from a test.
import { execFileSync } from 'node:child_process';

/** The environment for child npm/vite runs, without what `npm test` passes down (npm_config_*
 * would point an app's install at this repo's prefix and settings). */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(npm_|vitest|node_env$)/i.test(k)) env[k] = v;
  return env;
}

/** Runs `cmd args` in `cwd` and waits for it; its stderr shows in the test's output; throws if it fails. */
export function run(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, env: childEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
}
