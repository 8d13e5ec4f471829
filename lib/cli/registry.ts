// Every CLI command, in the order `loradyn --help` lists them. Add one line per command.
import type { Command } from './command.js';
import { infoCommand } from './info.js';
import { simulateCommand } from './simulate.js';
import { theoryCommand } from './theory.js';
import { odeCommand } from './ode.js';
import { vitCommand } from './vit.js';

export const commands: Command[] = [infoCommand, simulateCommand];
commands.push(theoryCommand, odeCommand);
commands.push(vitCommand);
