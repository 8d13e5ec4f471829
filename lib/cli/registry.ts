// Every CLI command, in the order `loradyn --help` lists them. Add one line per command. A command's
// module is imported only when a call needs it: `loradyn info` loads the info command alone, the
// general help, completion and suggestions load them all.
import type { CliCommand } from './command.js';

/** A command known by name; load() imports its module. */
export interface CommandEntry {
  name: string;
  load(): Promise<CliCommand>;
}

export const commandEntries: readonly CommandEntry[] = [
  { name: 'info', load: async () => (await import('./info.js')).infoCommand },
  { name: 'simulate', load: async () => (await import('./simulate.js')).simulateCommand },
  { name: 'theory', load: async () => (await import('./theory.js')).theoryCommand },
  { name: 'ode', load: async () => (await import('./ode.js')).odeCommand },
  { name: 'sweep', load: async () => (await import('./sweep.js')).sweepCommand },
  { name: 'results', load: async () => (await import('./results.js')).resultsCommand },
  { name: 'export', load: async () => (await import('./export.js')).exportCommand },
  { name: 'reproduce', load: async () => (await import('./reproduce.js')).reproduceCommand },
  { name: 'worker', load: async () => (await import('./worker.js')).workerCommand },
  { name: 'vit', load: async () => (await import('./vit.js')).vitCommand },
  { name: 'completion', load: async () => (await import('./completion.js')).completionCommand },
];

/** Every command, loaded, in help order. */
export function loadCommands(): Promise<CliCommand[]> {
  return Promise.all(commandEntries.map((e) => e.load()));
}

/**
 * The commands a call needs: only the one that argv names, or all of them for the general help,
 * `help COMMAND`, completion (it describes every command) and a mistyped name (the suggestion).
 */
export async function commandsFor(argv: readonly string[]): Promise<CliCommand[]> {
  const named = commandEntries.find((e) => e.name === argv[0]);
  if (named && named.name !== 'completion') return [await named.load()];
  return loadCommands();
}
