// `loradyn ode CONFIG.json`: the config run with engine "ode" (same output as simulate).
import { action, examples, type CliCommand } from './command.js';
import { configOptions, runConfigCommand, type RunConfigOptions } from './simulate.js';

export const odeCommand: CliCommand = {
  name: 'ode',
  summary: 'integrate the ODE limit of a config (engine "ode"); same output as simulate',
  configure(cmd) {
    configOptions(cmd, false);
    examples(cmd, [['loradyn ode examples/erf.json', 'the d -> infinity limit of the same config, started at m = d^-1/2']]);
    cmd.action(action((file: string, o: RunConfigOptions) => runConfigCommand(file, o, 'ode')));
  },
};
