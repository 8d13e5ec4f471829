import { simulate } from '../simulate.js';
import { resultToJson } from '../result_json.js';
import type { SimulationResult } from '../types.js';
import { intOption, parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { readJsonFile, writeFileAtomic } from './io.js';
import { progressBar } from './progress.js';

/** Shared by `simulate` and other engine commands: run a config file, print or save the result. */
export async function runConfigCommand(argv: string[], forceEngine?: 'full' | 'reduced' | 'ode'): Promise<number> {
  const a = parseArgs(argv, { values: ['out', 'threads'], booleans: ['json', 'quiet'] });
  if (a.positional.length !== 1) throw new UsageError('expected exactly one CONFIG.json');
  const raw = readJsonFile(a.positional[0]!);
  const input = forceEngine && raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...raw, engine: forceEngine } : raw;
  const threads = intOption(a.values.threads, 'threads');
  const bar = progressBar('simulate', !a.flags.has('quiet') && Boolean(process.stderr.isTTY));
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  let result: SimulationResult;
  try {
    result = await simulate(input as object, { threads, signal: ac.signal, onProgress: (p) => bar.update(p) });
  } finally {
    process.off('SIGINT', onSigint);
    bar.done();
  }
  const json = JSON.stringify(resultToJson(result));
  if (a.values.out) writeFileAtomic(a.values.out, json + '\n');
  if (a.flags.has('json')) process.stdout.write(json + '\n');
  else summarize(result);
  return 0;
}

function summarize(r: SimulationResult): void {
  const th = r.config.record.thresholds;
  process.stdout.write(`${r.runs.length} run(s), engine ${r.engine}, backend ${r.backend}, ${(r.wallMs / 1000).toFixed(2)} s\n`);
  for (const run of r.runs) {
    const last = run.step.length - 1;
    const esc = th.map((x) => `escape@${x}=${run.escape[String(x)] ?? 'none'}`).join(' ') +
      (r.config.record.lossThresholds ?? []).map((f) => ` lossEscape@${f}=${run.lossEscape?.[String(f)] ?? 'none'}`).join('');
    const div = run.divergedStep !== null ? `  DIVERGED at step ${run.divergedStep}` : '';
    process.stdout.write(`seed ${run.seed}: steps ${run.stepsDone}  m ${run.m[last * run.rank * run.hidden]?.toFixed(4)}  loss ${run.popLoss[last]?.toExponential(3)}  ${esc}${div}\n`);
  }
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'run a config (any engine) and print or save the result',
  usage: 'loradyn simulate CONFIG.json [--json] [--out FILE] [--threads N] [--quiet]',
  run: (argv) => runConfigCommand(argv),
};
