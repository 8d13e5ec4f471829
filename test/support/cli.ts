// Runs the built CLI in a child process.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lib', 'cli.js');

export function runCli(args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
