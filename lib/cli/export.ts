// `loradyn export STORE --out FILE`: a result store as Parquet, CSV or JSON lines.
import { choiceOption, UsageError } from './args.js';
import { action, examples, type CliCommand } from './command.js';

interface ExportCliOptions {
  out: string;
  format?: 'parquet' | 'csv' | 'jsonl';
  trajectories?: boolean;
  json?: boolean;
}

async function runExport(dir: string, o: ExportCliOptions): Promise<number> {
  const [{ exportStore, formatFromPath }, { StoreError }] = await Promise.all([import('../experiments/export.js'), import('../experiments/store.js')]);
  const format = o.format ?? formatFromPath(o.out);
  if (!format) throw new UsageError(`cannot tell the format from "${o.out}": give --format parquet|csv|jsonl or a .parquet, .csv or .jsonl file name`);
  let s: Awaited<ReturnType<typeof exportStore>>;
  try {
    s = await exportStore(dir, o.out, { format, trajectories: o.trajectories });
  } catch (e) {
    if (e instanceof StoreError) throw new UsageError(e.message);
    throw e;
  }
  if (o.json) process.stdout.write(JSON.stringify(s) + '\n');
  else
    process.stdout.write(
      `${s.file}: ${s.rows} row(s) (${o.trajectories ? 'one per run and record point' : 'one per run'}) from ${s.runs} run(s), ${s.columns.length} columns, ${s.format}\n`,
    );
  for (const d of s.droppedThresholds)
    process.stderr.write(`note: ${d} was recorded by some runs only; its column is left out (a missing value would read as censored)\n`);
  return 0;
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'write a result store as Parquet, CSV or JSON lines (one row per run, or per record point)',
  configure(cmd) {
    cmd
      .argument('<store>', 'a result store, or a folder written by `loradyn reproduce` (its store/ is used)')
      .requiredOption('--out <file>', 'the file to write (replaced atomically)')
      .addOption(choiceOption('--format <format>', 'file format (default: from the extension of --out)', ['parquet', 'csv', 'jsonl'] as const))
      .option('--trajectories', 'one row per run and record point (step, t, m, u, M, Q, popLoss, batchLoss) instead of one per run')
      .option('--json', 'print what was written as JSON');
    examples(cmd, [
      ['loradyn export runs/ --out runs.parquet', 'one row per run: seed, varying config fields, escapes, final values'],
      ['loradyn export runs/ --out traj.parquet --trajectories', 'one row per run and record point'],
      ['loradyn export results/ --out headline.csv', 'the store of a reproduce folder, as CSV'],
    ]);
    cmd.action(action((dir: string, o: ExportCliOptions) => runExport(dir, o)));
  },
};
