// `loradyn vit --out DIR [--protocol accuracy|search] [--scale ...]`: the vision-transformer
// experiment, under the steps-to-accuracy protocol (default) or the search protocol (docs/vit.md).
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { choiceOption, intArg, UsageError } from './args.js';
import { action, examples, type CliCommand } from './command.js';
import { progressOptions } from './renderer.js';

export interface VitOptions {
  out: string;
  protocol: 'accuracy' | 'search';
  /** accuracy: quick | paper (default quick); search: tiny | quick | default (default default). */
  scale?: string;
  threads?: number;
  seeds?: number;
  budgets?: number[];
  maxSteps?: number;
  steps?: number;
  batch?: number;
  firstSeed?: number;
  ftSeeds?: number;
  pairing?: string;
  quiet?: boolean;
  events?: string;
}

function intList(v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 0))
    throw new InvalidArgumentError(`--budgets must be a comma-separated list of integers >= 0 (got "${v}")`);
  return xs;
}

const accuracyOnly = { maxSteps: '--max-steps' } as const;
const searchOnly = { steps: '--steps', batch: '--batch', firstSeed: '--first-seed', ftSeeds: '--ft-seeds', pairing: '--pairing' } as const;

function rejectOthers(o: VitOptions, names: Record<string, string>, protocol: string): void {
  for (const [key, flag] of Object.entries(names))
    if (o[key as keyof VitOptions] !== undefined) throw new UsageError(`${flag} does not apply to --protocol ${protocol}`);
}

async function runSearch(o: VitOptions, signal: AbortSignal): Promise<number> {
  rejectOthers(o, accuracyOnly, 'search');
  const scales = ['tiny', 'quick', 'default'];
  const scale = o.scale ?? 'default';
  if (!scales.includes(scale)) throw new UsageError(`--scale must be one of ${scales.join(', ')} for --protocol search (got "${scale}")`);
  if (o.seeds !== undefined && o.seeds < 2) throw new UsageError(`--seeds must be an integer >= 2 for --protocol search (got "${o.seeds}")`);
  const [{ runSearchExperiment }, { writeSearchResults }, { searchSummaryText }, { ProgressRenderer }] = await Promise.all([
    import('../vit/search/run.js'),
    import('../vit/search/io.js'),
    import('../vit/search/report.js'),
    import('./renderer.js'),
  ]);
  // The search runner reports its own progress lines (runs done, minutes left); the renderer
  // keeps them off the terminal under --quiet and writes the phase to --events.
  const bar = new ProgressRenderer({ quiet: o.quiet, events: o.events });
  bar.start('vit search', null);
  const result = await runSearchExperiment({
    scale: scale as 'tiny' | 'quick' | 'default',
    threads: o.threads,
    preSeeds: o.seeds,
    firstSeed: o.firstSeed,
    ftSeeds: o.ftSeeds,
    budgets: o.budgets,
    steps: o.steps,
    batch: o.batch,
    pairing: o.pairing,
    cacheDir: join(o.out, 'vit-search-units'),
    signal,
    log: (line) => bar.log(line),
    // One --events line per finished run, as the accuracy protocol and the simulators write;
    // `done` counts the runs of cached units too, so the renderer is set just below it first.
    onRun: (r, wallMs, done, total) => {
      bar.update({ done: done - 1, total });
      bar.run({
        id: `${r.pairing} seed ${r.seed} budget ${r.budgetEpochs} ${r.arm} ft ${r.ftSeed}`,
        seed: r.seed,
        coords: { pairing: r.pairing, arm: r.arm, budgetEpochs: r.budgetEpochs, ftSeed: r.ftSeed },
        ok: true,
        wallMs: Math.round(wallMs),
        data: {
          L0: r.L0,
          lStar: r.lStar,
          gradNorm0: r.gradNorm0,
          plateauExit: r.plateauExit,
          halfLife: r.halfLife,
          finalLoss: r.finalLoss,
          divergedAt: r.divergedAt,
        },
      });
    },
  });
  bar.finish({ runs: result.runs.length });
  const files = await writeSearchResults(o.out, result);
  process.stdout.write(searchSummaryText(result));
  process.stdout.write(`wrote ${[files.json, files.runsCsv, files.slopesCsv, ...files.figures].join(', ')}\n`);
  return 0;
}

async function runAccuracy(o: VitOptions, signal: AbortSignal): Promise<number> {
  rejectOthers(o, searchOnly, 'accuracy');
  const scale = o.scale ?? 'quick';
  if (scale !== 'quick' && scale !== 'paper') throw new UsageError(`--scale must be quick or paper for --protocol accuracy (got "${scale}")`);
  const [{ runVitExperiment }, { saveCheckpoint, writeVitResults }, { ProgressRenderer }] = await Promise.all([
    import('../vit/experiment.js'),
    import('../vit/results_io.js'),
    import('./renderer.js'),
  ]);
  const bar = new ProgressRenderer({ quiet: o.quiet, events: o.events });
  bar.start('vit', null);
  const out = o.out;
  const result = await runVitExperiment({
    scale,
    threads: o.threads,
    seeds: o.seeds,
    budgets: o.budgets,
    finetune: o.maxSteps ? { maxSteps: o.maxSteps } : undefined,
    signal,
    log: (line) => bar.log(line),
    onRun: (r, done, total) => {
      bar.update({ total });
      bar.run({
        id: `${r.pairing} seed ${r.seed} budget ${r.budgetEpochs}`,
        seed: r.seed,
        coords: { pairing: r.pairing, budgetEpochs: r.budgetEpochs },
        ok: true,
        data: { stepsTo: r.stepsTo, stepsDone: r.stepsDone },
      });
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
}

export async function runVitCommand(o: VitOptions): Promise<number> {
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    return o.protocol === 'search' ? await runSearch(o, ac.signal) : await runAccuracy(o, ac.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const vitCommand: CliCommand = {
  name: 'vit',
  summary: 'pre-train a small ViT for several budgets and LoRA-fine-tune each checkpoint (steps-to-accuracy or search protocol)',
  configure(cmd) {
    cmd
      .requiredOption('--out <dir>', 'output folder: results, CSV tables, figures (and checkpoints/ or vit-search-units/)')
      .addOption(
        choiceOption(
          '--protocol <protocol>',
          'accuracy: steps to target accuracies (fresh head, AdamW); search: the search protocol of docs/vit.md (fitted frozen head, plain SGD, one pass, verdicts)',
          ['accuracy', 'search'] as const,
          'accuracy',
        ),
      )
      .option('--scale <scale>', 'accuracy: quick (default) or paper; search: tiny (tests), quick, or default (the default: 8 seeds, budgets 0-16)')
      .option('--seeds <n>', 'pre-training seeds (default: set by --scale; search needs >= 2)', intArg('seeds'))
      .option('--budgets <list>', 'pre-training budgets in epochs, e.g. 0,1,4 (default: set by --scale)', intList)
      .option('--max-steps <n>', 'accuracy: fine-tuning steps at most (default: set by --scale)', intArg('max-steps'))
      .option('--steps <n>', 'search: fine-tuning steps of each run (default 200; L* runs 4x as many)', intArg('steps', 10))
      .option('--batch <n>', 'search: fine-tuning batch (default 32)', intArg('batch'))
      .option('--first-seed <n>', 'search: the first pre-training seed (default 1)', intArg('first-seed'))
      .option('--ft-seeds <n>', 'search: fine-tuning seeds of the primary arm (default 2; the other arms run the first)', intArg('ft-seeds'))
      .option('--pairing <prefix>', 'search: only the pairings whose name starts with this (mnist, fashion); units are shared through --out')
      .option('--threads <n>', 'native threads (default: all cores)', intArg('threads'));
    progressOptions(cmd);
    examples(cmd, [
      ['loradyn vit --out results/vit', 'steps to accuracy, quick: minutes on 2 cores'],
      ['loradyn vit --out results/vit --scale paper', 'steps to accuracy, the full protocol (about an hour on 2 cores)'],
      ['loradyn vit --protocol search --scale tiny --out /tmp/vit', 'the search protocol in seconds (its numbers mean nothing)'],
      ['loradyn vit --protocol search --out results/vit-search', 'the search protocol at its default scale (hours; resumable)'],
    ]);
    cmd.action(action((o: VitOptions) => runVitCommand(o)));
  },
};
