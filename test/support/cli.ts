// Runs the built CLI in a child process.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lib', 'cli.js');

export function runCli(args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 120_000,
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
