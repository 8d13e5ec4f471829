// `loradyn simulate CONFIG.json`: run one config (any engine) and print or save the result.
import type { Command } from 'commander';
import type { SimulationResult } from '../types.js';
import { intArg, UsageError } from './args.js';
import { action, examples, type CliCommand } from './command.js';

export interface RunConfigOptions {
  json?: boolean;
  out?: string;
  threads?: number;
  quiet?: boolean;
}

/** Options shared by `simulate` and `ode`. */
export function configOptions(cmd: Command, threads = true): Command {
  cmd
    .argument('<config>', 'config file (JSON): every field has a default, see docs/config.md')
    .option('--json', 'print the full result as JSON on stdout')
    .option('--out <file>', 'also write the full result as JSON to FILE');
  if (threads) cmd.option('--threads <n>', 'native threads (default: all cores)', intArg('threads'));
  return cmd.option('--quiet', 'no progress bar');
}

/** Shared by `simulate` and `ode`: run a config file, print or save the result. */
export async function runConfigCommand(file: string, o: RunConfigOptions, forceEngine?: 'full' | 'reduced' | 'ode'): Promise<number> {
  const [{ simulate }, { resultToJson }, { readJsonFile, writeFileAtomic }, { ProgressRenderer }] = await Promise.all([
    import('../simulate.js'),
    import('../result_json.js'),
    import('./io.js'),
    import('./renderer.js'),
  ]);
  const raw = readJsonFile(file);
  const input = forceEngine && raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...raw, engine: forceEngine } : raw;
  if (input === null || typeof input !== 'object') throw new UsageError(`${file} must hold a JSON object (a config)`);
  // A single simulate is short: progress on a terminal only, never plain lines in a log.
  const bar = new ProgressRenderer({ quiet: o.quiet || !process.stderr.isTTY });
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  let result: SimulationResult;
  try {
    bar.start('simulate', null);
    result = await simulate(input, { threads: o.threads, signal: ac.signal, onProgress: (p) => bar.update({ fraction: p.fraction }) });
  } finally {
    process.off('SIGINT', onSigint);
  }
  bar.finish();
  const json = JSON.stringify(resultToJson(result));
  if (o.out !== undefined) writeFileAtomic(o.out, json + '\n'); // "" is refused there
  if (o.json) process.stdout.write(json + '\n');
  else summarize(result);
  return 0;
}

function summarize(r: SimulationResult): void {
  const th = r.config.record.thresholds;
  process.stdout.write(`${r.runs.length} run(s), engine ${r.engine}, backend ${r.backend}, ${(r.wallMs / 1000).toFixed(2)} s\n`);
  for (const run of r.runs) {
    const last = run.step.length - 1;
    const esc =
      th.map((x) => `escape@${x}=${run.escape[String(x)] ?? 'none'}`).join(' ') +
      (r.config.record.lossThresholds ?? []).map((f) => ` lossEscape@${f}=${run.lossEscape?.[String(f)] ?? 'none'}`).join('');
    const div = run.divergedStep !== null ? `  DIVERGED at step ${run.divergedStep}` : '';
    process.stdout.write(
      `seed ${run.seed}: steps ${run.stepsDone}  m ${run.m[last * run.rank * run.hidden]?.toFixed(4)}  loss ${run.popLoss[last]?.toExponential(3)}  ${esc}${div}\n`,
    );
  }
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'run a config (any engine) and print or save the result',
  configure(cmd) {
    configOptions(cmd);
    examples(cmd, [
      ['loradyn simulate examples/erf.json', 'one line per seed: steps, final m and loss, first passages'],
      ['loradyn simulate examples/erf.json --json', 'runs[i].escape["0.5"] is each run\'s first passage (null: censored)'],
      ['loradyn simulate examples/erf.json --out r.json --threads 2', 'save the full result'],
    ]);
    cmd.action(action((file: string, o: RunConfigOptions) => runConfigCommand(file, o)));
  },
};
