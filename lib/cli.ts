#!/usr/bin/env node
// loradyn command line: dispatches to lib/cli/<command>.ts. Exit codes: 0 ok, 1 failure,
// 2 bad input (usage or config), 130 interrupted.
import { ConfigError, AbortError } from './errors.js';
import { UsageError } from './cli/args.js';
import { commands } from './cli/registry.js';
import { version } from './version.js';

function help(): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    `loradyn ${version}: LoRA fine-tuning dynamics of single-index models`,
    '',
    'usage: loradyn <command> [options]   (loradyn <command> --help for details)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(version + '\n');
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`loradyn: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.usage}\n\n${cmd.summary}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError) {
      process.stderr.write(`loradyn ${name}: ${e.message}\n${e instanceof UsageError ? 'usage: ' + cmd.usage + '\n' : ''}`);
      return 2;
    }
    if (e instanceof AbortError) {
      process.stderr.write(`loradyn ${name}: interrupted\n`);
      return 130;
    }
    process.stderr.write(`loradyn ${name}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(String(e) + '\n');
    process.exitCode = 1;
  },
);
