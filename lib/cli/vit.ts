// `loradyn vit --out DIR [--scale quick|paper]`: the vision-transformer experiment.
import { runVitExperiment } from '../vit/experiment.js';
import { saveCheckpoint, writeVitResults } from '../vit/results_io.js';
import { intOption, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';

function intList(v: string | undefined, name: string): number[] | undefined {
  if (v === undefined) return undefined;
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`--${name} must be a comma-separated list of integers >= 0 (got "${v}")`);
  return xs;
}

export async function runVitCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { values: ['out', 'scale', 'threads', 'seeds', 'budgets', 'max-steps'], booleans: ['quiet'] });
  if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
  const out = a.values.out;
  if (!out) throw new UsageError('--out DIR is required');
  const scale = a.values.scale ?? 'quick';
  if (scale !== 'quick' && scale !== 'paper') throw new UsageError(`--scale must be quick or paper (got "${scale}")`);
  const quiet = a.flags.has('quiet');
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const maxSteps = intOption(a.values['max-steps'], 'max-steps');
    const result = await runVitExperiment({
      scale,
      threads: intOption(a.values.threads, 'threads'),
      seeds: intOption(a.values.seeds, 'seeds'),
      budgets: intList(a.values.budgets, 'budgets'),
      finetune: maxSteps ? { maxSteps } : undefined,
      signal: ac.signal,
      log: quiet ? undefined : (line) => process.stderr.write(line + '\n'),
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

export const vitCommand: Command = {
  name: 'vit',
  summary: 'pre-train a small ViT for several budgets, LoRA-fine-tune each checkpoint, write results',
  usage: 'loradyn vit --out DIR [--scale quick|paper] [--seeds N] [--budgets 0,1,4] [--max-steps N] [--threads N] [--quiet]',
  run: runVitCommand,
};
