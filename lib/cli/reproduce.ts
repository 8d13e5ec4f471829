import path from 'node:path';
import { intOption, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { reproduce } from '../experiments/reproduce.js';
import { presets } from '../experiments/presets/index.js';
import { SCALES, type Scale } from '../experiments/presets/types.js';
import { LocalExecutor } from '../experiments/executor.js';
import { StoreError } from '../experiments/store.js';

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: "reproduce one of the paper's experiments (a preset): figures, statistics and an HTML report",
  usage: 'loradyn reproduce --list | loradyn reproduce NAME --out DIR [--scale quick|paper|tiny] [--jobs N] [--quiet]',
  async run(argv) {
    const a = parseArgs(argv, { values: ['out', 'scale', 'jobs'], booleans: ['list', 'quiet'] });
    if (a.flags.has('list')) {
      const w = Math.max(...presets.map((p) => p.name.length));
      for (const p of presets) process.stdout.write(`${p.name.padEnd(w)}  [item ${p.item}]  ${p.title}\n`);
      return 0;
    }
    if (a.positional.length !== 1) throw new UsageError('expected a preset NAME (see --list)');
    const name = a.positional[0]!;
    if (!presets.some((p) => p.name === name)) throw new UsageError(`unknown preset "${name}"; known: ${presets.map((p) => p.name).join(', ')}`);
    if (!a.values.out) throw new UsageError('--out DIR is required');
    const scale = (a.values.scale ?? 'quick') as Scale;
    if (!SCALES.includes(scale)) throw new UsageError(`--scale must be one of ${SCALES.join(', ')} (got "${a.values.scale}")`);
    const quiet = a.flags.has('quiet');
    const tty = !quiet && Boolean(process.stderr.isTTY);
    const ac = new AbortController();
    const onSig = () => ac.abort();
    process.once('SIGINT', onSig);
    let lastLen = 0;
    try {
      const out = await reproduce(name, {
        out: a.values.out,
        scale,
        executor: new LocalExecutor(intOption(a.values.jobs, 'jobs')),
        signal: ac.signal,
        command: `loradyn reproduce ${argv.join(' ')}`,
        log: (m) => {
          if (tty && lastLen) process.stderr.write('\r' + ' '.repeat(lastLen) + '\r');
          lastLen = 0;
          if (!quiet) process.stderr.write(m + '\n');
        },
        onProgress: tty
          ? (label, f, eta) => {
              const line = `${label}: ${(100 * f).toFixed(0)}%  eta ${eta === null ? '--' : Math.round(eta / 1000) + 's'}`;
              process.stderr.write('\r' + line.padEnd(lastLen));
              lastLen = line.length;
            }
          : undefined,
      }).catch((e) => {
        if (e instanceof StoreError) throw new UsageError(e.message);
        throw e;
      });
      process.stdout.write(`${name} (${scale}): ${out.figures.length} figure(s) in ${path.join(a.values.out, 'figures')}, ${(out.wallMs / 1000).toFixed(1)} s\nreport: ${path.resolve(out.report)}\n`);
      return 0;
    } finally {
      process.off('SIGINT', onSig);
    }
  },
};
