// The command-line program: one commander tree built from the registry, run with exit codes
// 0 ok, 1 failure, 2 bad usage or bad input, 130 interrupted.
import { Command, CommanderError } from 'commander';
import { AbortError, ConfigError, FileError, NativeError } from '../errors.js';
import { version } from '../version.js';
import { UsageError } from './args.js';
import { lastExitCode, type CliCommand } from './command.js';
import { commandsFor } from './registry.js';
import { didYouMean } from './suggest.js';

/** Builds the whole command tree; nothing heavy is loaded until an action runs. */
export function buildProgram(list: readonly CliCommand[]): Command {
  const program = new Command('loradyn')
    .description(`loradyn ${version}: LoRA fine-tuning dynamics of single-index models`)
    .usage('<command> [options]')
    .version(version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help')
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`loradyn: ${s.replace(/^error: /, '')}`) })
    .addHelpText(
      'after',
      '\nRun `loradyn help COMMAND` for its options, defaults and examples. Exit codes: 0 ok, 1 failure, 2 bad usage or input, 130 interrupted.\n',
    );
  for (const c of list) {
    const sub = program.command(c.name).description(c.summary).showHelpAfterError(`(run \`loradyn help ${c.name}\` for its options)`);
    sub.configureOutput({ outputError: (s, write) => write(`loradyn ${c.name}: ${s.replace(/^error: /, '')}`) });
    c.configure(sub);
  }
  // `loradyn help [command...]`: commander's own help command falls back to the general help for an
  // unknown name; this one names the mistake and suggests the closest command.
  program
    .command('help')
    .description('show help for a command: loradyn help COMMAND [SUBCOMMAND]')
    .argument('[command...]', 'the command')
    .action((names: string[]) => {
      let target = program;
      for (const n of names) {
        const next = target.commands.find((c) => c.name() === n);
        if (!next) {
          const known = target.commands.map((c) => c.name());
          throw new UsageError(`unknown command '${[...names.slice(0, names.indexOf(n)), n].join(' ')}'${didYouMean(n, known)}; known: ${known.join(', ')}`);
        }
        target = next;
      }
      target.outputHelp();
    });
  return program;
}

/** Full name of a (sub)command, e.g. "theory tau". */
function fullName(cmd: Command | undefined): string {
  const parts: string[] = [];
  for (let c = cmd; c?.parent; c = c.parent) parts.unshift(c.name());
  return parts.join(' ');
}

/** The deepest command that argv names, for error messages. */
function commandOf(program: Command, argv: string[]): Command | undefined {
  let cur: Command | undefined;
  let scope = program;
  for (const a of argv) {
    const next = scope.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!next) break;
    cur = scope = next;
  }
  return cur;
}

/** Runs the CLI on argv (without node and the script); resolves to the exit code. */
export async function runCli(argv: string[], list?: readonly CliCommand[]): Promise<number> {
  const program = buildProgram(list ?? (await commandsFor(argv)));
  if (argv.length === 0) {
    process.stderr.write(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return lastExitCode();
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const cmd = commandOf(program, argv);
    const name = fullName(cmd);
    const prefix = name ? `loradyn ${name}` : 'loradyn';
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof FileError) {
      process.stderr.write(
        `${prefix}: ${e.message}\n${e instanceof UsageError && name && name !== 'help' ? `(run \`loradyn help ${name}\` for its options)\n` : ''}`,
      );
      return 2;
    }
    if (e instanceof NativeError) {
      // the engine could not do a valid call (threads, memory): no stack
      process.stderr.write(`${prefix}: ${e.message}\n`);
      return 1;
    }
    if (e instanceof AbortError) {
      process.stderr.write(`${prefix}: interrupted\n`);
      return 130;
    }
    process.stderr.write(`${prefix}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
