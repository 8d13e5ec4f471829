// Runs the built CLI in a child process, through the executable that npm links (dist/lib/bin.cjs: the
// bundled CLI under V8's code cache).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCommand } from './node_command.js';

export const cliPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lib', 'bin.cjs');
/** The CLI's ES-module entry (what the bundle is built from, and what runs where no bundle was built). */
export const cliModulePath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lib', 'cli.js');

/** Runs the CLI with `args`; `cli` names another executable or module to run them with (default: cliPath). */
export function runCli(args: string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string>; cli?: string } = {}) {
  const [cmd, argv] = nodeCommand([opts.cli ?? cliPath, ...args]);
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    input: opts.input,
    timeout: opts.timeoutMs ?? 120_000,
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
