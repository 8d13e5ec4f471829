// Every CLI command, in the order `loradyn --help` lists them. Add one line per command.
import type { CliCommand } from './command.js';
import { infoCommand } from './info.js';
import { simulateCommand } from './simulate.js';
import { theoryCommand } from './theory.js';
import { odeCommand } from './ode.js';
import { sweepCommand } from './sweep.js';
import { resultsCommand } from './results.js';
import { reproduceCommand } from './reproduce.js';
import { workerCommand } from './worker.js';
import { vitCommand } from './vit.js';
import { exportCommand } from './export.js';
import { completionCommand } from './completion.js';

export const commands: CliCommand[] = [
  infoCommand,
  simulateCommand,
  theoryCommand,
  odeCommand,
  sweepCommand,
  resultsCommand,
  exportCommand,
  reproduceCommand,
  workerCommand,
  vitCommand,
  completionCommand,
];
