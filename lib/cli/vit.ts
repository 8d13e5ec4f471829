// `loradyn vit --out DIR [--scale quick|paper]`: the vision-transformer experiment.
import { InvalidArgumentError } from 'commander';
import { choiceOption, intArg } from './args.js';
import { action, examples, type CliCommand } from './command.js';
import { progressOptions } from './renderer.js';

interface VitOptions {
  out: string;
  scale: 'quick' | 'paper';
  threads?: number;
  seeds?: number;
  budgets?: number[];
  maxSteps?: number;
  quiet?: boolean;
  events?: string;
}

function intList(v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 0)) throw new InvalidArgumentError(`--budgets must be a comma-separated list of integers >= 0 (got "${v}")`);
  return xs;
}

export async function runVitCommand(o: VitOptions): Promise<number> {
  const [{ runVitExperiment }, { saveCheckpoint, writeVitResults }, { ProgressRenderer }] = await Promise.all([import('../vit/experiment.js'), import('../vit/results_io.js'), import('./renderer.js')]);
  const bar = new ProgressRenderer({ quiet: o.quiet, events: o.events });
  bar.start('vit', null);
  const out = o.out;
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await runVitExperiment({
      scale: o.scale,
      threads: o.threads,
      seeds: o.seeds,
      budgets: o.budgets,
      finetune: o.maxSteps ? { maxSteps: o.maxSteps } : undefined,
      signal: ac.signal,
      log: (line) => bar.log(line),
      onRun: (r, done, total) => {
        bar.update({ total });
        bar.run({ id: `${r.pairing} seed ${r.seed} budget ${r.budgetEpochs}`, seed: r.seed, coords: { pairing: r.pairing, budgetEpochs: r.budgetEpochs }, ok: true, data: { stepsTo: r.stepsTo, stepsDone: r.stepsDone } });
        if (done === total) bar.finish();
      },
      onCheckpoint: (c, params) => {
        saveCheckpoint(out, c, params);
      },
    });
    const files = await writeVitResults(out, result);
    process.stdout.write(`ViT experiment (${result.scale}) finished in ${(result.wallMs / 1000).toFixed(1)} s\n`);
    process.stdout.write('pairing, budget (epochs), threshold: mean steps [95% CI] (reached/seeds)\n');
    for (const s of result.summary)
      process.stdout.write(
        `  ${s.pairing}, ${s.budgetEpochs}, ${s.threshold}: ${s.mean.toFixed(1)} [${s.lo.toFixed(1)}, ${s.hi.toFixed(1)}] (${s.reached}/${s.seeds})\n`,
      );
    process.stdout.write('pairing, budget: source test acc, target linear-probe acc\n');
    for (const r of result.alignment)
      process.stdout.write(`  ${r.pairing}, ${r.budgetEpochs}: ${r.sourceAccuracy.mean.toFixed(3)}, ${r.probeAccuracy.mean.toFixed(3)}\n`);
    process.stdout.write(`wrote ${Object.values(files).join(', ')} and checkpoints/\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const vitCommand: CliCommand = {
  name: 'vit',
  summary: 'pre-train a small ViT for several budgets, LoRA-fine-tune each checkpoint, write results',
  configure(cmd) {
    cmd
      .requiredOption('--out <dir>', 'output folder: results, CSV tables, figures and checkpoints/')
      .addOption(choiceOption('--scale <scale>', 'quick: 3 budgets, 2 seeds, 200 steps; paper: 7 budgets (0-32 epochs), 5 seeds, 600 steps', ['quick', 'paper'] as const, 'quick'))
      .option('--seeds <n>', 'seeds per budget (default: set by --scale)', intArg('seeds'))
      .option('--budgets <list>', 'pre-training budgets in epochs, e.g. 0,1,4 (default: set by --scale)', intList)
      .option('--max-steps <n>', 'fine-tuning steps at most (default: set by --scale)', intArg('max-steps'))
      .option('--threads <n>', 'native threads (default: all cores)', intArg('threads'));
    progressOptions(cmd);
    examples(cmd, [
      ['loradyn vit --out results/vit', 'quick: minutes on 2 cores'],
      ['loradyn vit --out results/vit --scale paper', 'the full protocol (about an hour on 2 cores)'],
    ]);
    cmd.action(action((o: VitOptions) => runVitCommand(o)));
  },
};
