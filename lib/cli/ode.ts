// `loradyn ode CONFIG.json`: the config run with engine "ode" (same output as simulate).
import type { Command } from './command.js';
import { runConfigCommand } from './simulate.js';

export const odeCommand: Command = {
  name: 'ode',
  summary: 'integrate the ODE limit of a config (engine "ode"); same output as simulate',
  usage: 'loradyn ode CONFIG.json [--json] [--out FILE] [--quiet]',
  run: (argv) => runConfigCommand(argv, 'ode'),
};
