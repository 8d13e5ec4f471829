// `loradyn reproduce NAME --out DIR`: one of the paper's experiments (a preset) into a folder with
// a result store, figures, a summary and an offline HTML report.
import path from 'node:path';
import { choiceOption, intArg, UsageError } from './args.js';
import { action, examples, type CliCommand } from './command.js';
import { didYouMean } from './suggest.js';
import { progressOptions } from './renderer.js';

const SCALES = ['tiny', 'quick', 'paper'] as const;

interface ReproduceCliOptions {
  list?: boolean;
  json?: boolean;
  out?: string;
  scale: (typeof SCALES)[number];
  jobs?: number;
  quiet?: boolean;
  events?: string;
}

async function runReproduce(name: string | undefined, o: ReproduceCliOptions, argv: string[]): Promise<number> {
  const { presets } = await import('../experiments/presets/index.js');
  if (o.list) {
    if (o.json) {
      process.stdout.write(JSON.stringify(presets.map((p) => ({ name: p.name, item: p.item, title: p.title }))) + '\n');
      return 0;
    }
    const w = Math.max(...presets.map((p) => p.name.length));
    for (const p of presets) process.stdout.write(`${p.name.padEnd(w)}  [item ${p.item}]  ${p.title}\n`);
    return 0;
  }
  if (name === undefined) throw new UsageError('expected a preset NAME (see --list)');
  const names = presets.map((p) => p.name);
  if (!names.includes(name)) throw new UsageError(`unknown preset "${name}"${didYouMean(name, names)}; known: ${names.join(', ')}`);
  if (!o.out) throw new UsageError('--out DIR is required');
  const [{ reproduce }, { LocalExecutor }, { StoreError }] = await Promise.all([
    import('../experiments/reproduce.js'),
    import('../experiments/executor.js'),
    import('../experiments/store.js'),
  ]);
  const { ProgressRenderer } = await import('./renderer.js');
  const bar = new ProgressRenderer({ quiet: o.quiet, events: o.events });
  let phase = '';
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  try {
    const out = await reproduce(name, {
      out: o.out,
      scale: o.scale,
      executor: new LocalExecutor(o.jobs),
      signal: ac.signal,
      command: `loradyn reproduce ${argv.join(' ')}`,
      log: (m) => bar.log(m),
      onProgress: (label, f, _eta, runs) => {
        if (label !== phase) {
          if (phase) bar.finish();
          phase = label;
          bar.start(label, runs?.total ?? null);
        }
        bar.update({ fraction: f, done: runs?.done, total: runs?.total });
      },
      onRun: (r) => bar.run({ id: r.spec.hash, seed: r.spec.seed, coords: r.spec.coords, ok: r.ok, error: r.error, wallMs: Math.round(r.wallMs) }),
    }).catch((e) => {
      if (e instanceof StoreError) throw new UsageError(e.message);
      throw e;
    });
    if (phase) bar.finish();
    if (o.json)
      process.stdout.write(
        JSON.stringify({
          preset: name,
          scale: o.scale,
          report: path.resolve(out.report),
          figures: out.figures.map((f) => path.resolve(f)),
          wallMs: Math.round(out.wallMs),
          summary: out.summary,
        }) + '\n',
      );
    else
      process.stdout.write(
        `${name} (${o.scale}): ${out.figures.length} figure(s) in ${path.join(o.out, 'figures')}, ${(out.wallMs / 1000).toFixed(1)} s\nreport: ${path.resolve(out.report)}\n`,
      );
    return 0;
  } finally {
    process.off('SIGINT', onSig);
  }
}

export const reproduceCommand: CliCommand = {
  name: 'reproduce',
  summary: "reproduce one of the paper's experiments (a preset): figures, statistics and an HTML report",
  configure(cmd) {
    cmd
      .argument('[name]', 'preset name (see --list)')
      .option('--list', 'list the presets and the paper item each reproduces')
      .option('--out <dir>', 'output folder: store/, figures/, summary.json, report.html (required to run)')
      .addOption(
        choiceOption(
          '--scale <scale>',
          "problem size (tiny: seconds, for tests; quick: about a minute; paper: the paper's parameters, 16 seeds)",
          SCALES,
          'quick',
        ),
      )
      .option('--jobs <n>', 'runs computed at once (default: all cores)', intArg('jobs'))
      .option('--json', 'print JSON (with --list: the presets; otherwise the report path, figures and summary)');
    progressOptions(cmd);
    examples(cmd, [
      ['loradyn reproduce --list', 'every preset'],
      ['loradyn reproduce headline --out results/', "the paper's headline result in about a minute"],
      ['loradyn reproduce hermite --out results/hermite --scale paper', 'paper parameters, 16 seeds'],
    ]);
    cmd.action(action((name: string | undefined, o: ReproduceCliOptions) => runReproduce(name, o, process.argv.slice(3))));
  },
};
