import { info } from '../info.js';
import { parseArgs } from './args.js';
import type { Command } from './command.js';

export const infoCommand: Command = {
  name: 'info',
  summary: 'version, build flags, threads and which backends exist and work',
  usage: 'loradyn info [--json]',
  async run(argv) {
    const a = parseArgs(argv, { booleans: ['json'] });
    const i = info();
    if (a.flags.has('json')) {
      process.stdout.write(JSON.stringify(i, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(`loradyn ${i.version} (${i.build}), node ${i.node}\nbinary  ${i.binary}\nthreads ${i.threads}\n`);
    for (const [name, b] of Object.entries(i.backends))
      process.stdout.write(`${name.padEnd(7)} ${b.available ? 'available' : 'unavailable'}${b.engines ? ' engines: ' + b.engines.join(', ') : ''}${b.reason ? ' (' + b.reason + ')' : ''}\n`);
    return 0;
  },
};
