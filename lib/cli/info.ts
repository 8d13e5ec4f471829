// `loradyn info`: what this installation is and can do.
import { action, examples, type CliCommand } from './command.js';

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'version, build flags, threads and which backends exist and work',
  configure(cmd) {
    cmd.option('--json', 'print JSON instead of text');
    examples(cmd, [
      ['loradyn info', 'what was built and which backends work'],
      ['loradyn info --json', 'the same as JSON (backends.cuda.reason says why CUDA is unavailable)'],
    ]);
    cmd.action(
      action(async (o: { json?: boolean }) => {
        const { info } = await import('../info.js');
        const i = info();
        if (o.json) {
          process.stdout.write(JSON.stringify(i, null, 2) + '\n');
          return 0;
        }
        process.stdout.write(`loradyn ${i.version} (${i.build}), node ${i.node}\nbinary  ${i.binary}\nthreads ${i.threads}\n`);
        for (const [name, b] of Object.entries(i.backends))
          process.stdout.write(
            `${name.padEnd(7)} ${b.available ? 'available' : 'unavailable'}${b.engines ? ' engines: ' + b.engines.join(', ') : ''}${b.reason ? ' (' + b.reason + ')' : ''}\n`,
          );
        return 0;
      }),
    );
  },
};
