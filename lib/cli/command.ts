// The shape of a CLI command. Each command lives in its own file under lib/cli/ and declares its
// arguments, options, examples and action on a commander Command; heavy modules (plotting, the
// queue, the ViT) are imported inside the action, so that `loradyn info` starts fast.
import type { Command } from 'commander';

export interface CliCommand {
  name: string;
  /** One line, shown in `loradyn --help`. */
  summary: string;
  /** Declares arguments, options, help text and the action (see `action`). */
  configure(cmd: Command): void;
}

let exitCode = 0;

/** The exit code the last action returned (read by the program runner). */
export function lastExitCode(): number {
  return exitCode;
}

/**
 * Wraps a command body that returns its exit code, so commander's action can record it. Errors
 * propagate to the program runner, which maps them to exit codes (2 usage, 130 interrupted).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    exitCode = await fn(...args);
  };
}

/** Adds an "Examples:" block to a command's help. */
export function examples(cmd: Command, lines: [string, string][]): Command {
  const w = Math.max(...lines.map(([c]) => c.length));
  return cmd.addHelpText('after', `\nExamples:\n${lines.map(([c, what]) => `  $ ${c.padEnd(w)}  # ${what}`).join('\n')}\n`);
}
