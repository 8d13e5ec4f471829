// `loradyn vit --out DIR [--protocol accuracy|search] [--scale ...]`: the vision-transformer
// experiment, under the steps-to-accuracy protocol (default) or the search protocol (docs/vit.md).
import { runVitExperiment } from '../vit/experiment.js';
import { saveCheckpoint, writeVitResults } from '../vit/results_io.js';
import { runSearchExperiment } from '../vit/search/run.js';
import { writeSearchResults } from '../vit/search/io.js';
import { searchSummaryText } from '../vit/search/report.js';
import { searchScales, type SearchScale } from '../vit/search/settings.js';
import { intOption, parseArgs, UsageError, type ParsedArgs } from './args.js';
import type { Command } from './command.js';
import { join } from 'node:path';

function intList(v: string | undefined, name: string): number[] | undefined {
  if (v === undefined) return undefined;
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (!xs.length || xs.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`--${name} must be a comma-separated list of integers >= 0 (got "${v}")`);
  return xs;
}

const accuracyOnly = ['max-steps'];
const searchOnly = ['steps', 'batch', 'first-seed', 'ft-seeds', 'pairing'];

function rejectOthers(a: ParsedArgs, names: string[], protocol: string): void {
  for (const n of names) if (a.values[n] !== undefined) throw new UsageError(`--${n} does not apply to --protocol ${protocol}`);
}

async function runSearch(a: ParsedArgs, out: string, signal: AbortSignal, quiet: boolean): Promise<number> {
  rejectOthers(a, accuracyOnly, 'search');
  const scale = a.values.scale ?? 'default';
  if (!searchScales.includes(scale as SearchScale)) throw new UsageError(`--scale must be one of ${searchScales.join(', ')} for --protocol search (got "${scale}")`);
  const preSeeds = intOption(a.values.seeds, 'seeds', 2);
  const result = await runSearchExperiment({
    scale: scale as SearchScale,
    threads: intOption(a.values.threads, 'threads'),
    preSeeds,
    firstSeed: intOption(a.values['first-seed'], 'first-seed'),
    ftSeeds: intOption(a.values['ft-seeds'], 'ft-seeds'),
    budgets: intList(a.values.budgets, 'budgets'),
    steps: intOption(a.values.steps, 'steps', 10),
    batch: intOption(a.values.batch, 'batch'),
    pairing: a.values.pairing,
    cacheDir: join(out, 'vit-search-units'),
    signal,
    log: quiet ? undefined : (line) => process.stderr.write(line + '\n'),
  });
  const files = await writeSearchResults(out, result);
  process.stdout.write(searchSummaryText(result));
  process.stdout.write(`wrote ${[files.json, files.runsCsv, files.slopesCsv, ...files.figures].join(', ')}\n`);
  return 0;
}

async function runAccuracy(a: ParsedArgs, out: string, signal: AbortSignal, quiet: boolean): Promise<number> {
  rejectOthers(a, searchOnly, 'accuracy');
  const scale = a.values.scale ?? 'quick';
  if (scale !== 'quick' && scale !== 'paper') throw new UsageError(`--scale must be quick or paper for --protocol accuracy (got "${scale}")`);
  const maxSteps = intOption(a.values['max-steps'], 'max-steps');
  const result = await runVitExperiment({
    scale,
    threads: intOption(a.values.threads, 'threads'),
    seeds: intOption(a.values.seeds, 'seeds'),
    budgets: intList(a.values.budgets, 'budgets'),
    finetune: maxSteps ? { maxSteps } : undefined,
    signal,
    log: quiet ? undefined : (line) => process.stderr.write(line + '\n'),
    onCheckpoint: (c, params) => {
      saveCheckpoint(out, c, params);
    },
  });
  const files = await writeVitResults(out, result);
  process.stdout.write(`ViT experiment (${result.scale}) finished in ${(result.wallMs / 1000).toFixed(1)} s\n`);
  process.stdout.write('pairing, budget (epochs), threshold: mean steps [95% CI] (reached/seeds)\n');
  for (const s of result.summary)
    process.stdout.write(`  ${s.pairing}, ${s.budgetEpochs}, ${s.threshold}: ${s.mean.toFixed(1)} [${s.lo.toFixed(1)}, ${s.hi.toFixed(1)}] (${s.reached}/${s.seeds})\n`);
  process.stdout.write('pairing, budget: source test acc, target linear-probe acc\n');
  for (const r of result.alignment)
    process.stdout.write(`  ${r.pairing}, ${r.budgetEpochs}: ${r.sourceAccuracy.mean.toFixed(3)}, ${r.probeAccuracy.mean.toFixed(3)}\n`);
  process.stdout.write(`wrote ${Object.values(files).join(', ')} and checkpoints/\n`);
  return 0;
}

export async function runVitCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, {
    values: ['out', 'protocol', 'scale', 'threads', 'seeds', 'budgets', 'max-steps', ...searchOnly],
    booleans: ['quiet'],
  });
  if (a.positional.length) throw new UsageError(`unexpected argument '${a.positional[0]}'`);
  const out = a.values.out;
  if (!out) throw new UsageError('--out DIR is required');
  const protocol = a.values.protocol ?? 'accuracy';
  if (protocol !== 'accuracy' && protocol !== 'search') throw new UsageError(`--protocol must be accuracy or search (got "${protocol}")`);
  const quiet = a.flags.has('quiet');
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    return protocol === 'search' ? await runSearch(a, out, ac.signal, quiet) : await runAccuracy(a, out, ac.signal, quiet);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const vitCommand: Command = {
  name: 'vit',
  summary: 'pre-train a small ViT for several budgets and LoRA-fine-tune each checkpoint (steps-to-accuracy or search protocol)',
  usage: [
    'loradyn vit --out DIR [--protocol accuracy] [--scale quick|paper] [--seeds N] [--budgets 0,1,4] [--max-steps N] [--threads N] [--quiet]',
    '       loradyn vit --out DIR --protocol search [--scale tiny|quick|default] [--seeds N] [--first-seed N] [--ft-seeds N]',
    '                   [--budgets 0,1,2,4,8,16] [--steps N] [--batch N] [--pairing mnist|fashion] [--threads N] [--quiet]',
  ].join('\n'),
  run: runVitCommand,
};
