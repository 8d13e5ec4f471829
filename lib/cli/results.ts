// `loradyn results DIR`: escape statistics per setting of a result store, or every run as CSV.
import { numberArg, UsageError } from './args.js';
import { action, examples, type CliCommand } from './command.js';

interface ResultsOptions {
  csv?: boolean;
  json?: boolean;
  out?: string;
  threshold?: number;
}

const f = (x: number | null, digits = 0) => (x === null ? '-' : x.toFixed(digits));

async function runResults(dir: string, o: ResultsOptions): Promise<number> {
  const [{ ResultStore, StoreError }, { loadSettings, runsCsv, settingRows }, { writeFileAtomic }, { storeWarning }] = await Promise.all([
    import('../experiments/store.js'),
    import('../experiments/results.js'),
    import('./io.js'),
    import('./store_warning.js'),
  ]);
  if (o.csv && o.json) throw new UsageError('give --csv or --json, not both');
  let store: import('../experiments/store.js').ResultStore;
  try {
    store = ResultStore.open(dir, false, { onWarning: storeWarning });
  } catch (e) {
    if (e instanceof StoreError) throw new UsageError(e.message);
    throw e;
  }
  const th = o.threshold ?? 0.5;
  const settings = loadSettings(store);
  let text: string;
  if (o.csv) text = runsCsv(settings);
  else if (o.json) {
    const rows = settingRows(settings, th);
    text = JSON.stringify({ store: store.dir, threshold: th, settings: rows }) + '\n';
  } else {
    const rows = settingRows(settings, th);
    const lines = [`${store.dir}: ${settings.reduce((n, s) => n + s.runs.length, 0)} run(s) in ${settings.length} setting(s); escape at |m| >= ${th}`];
    lines.push(['engine', 'activation', 'teacher', 'kind', 'mu', 'd', 'rank', 'K', 'runs', 'escaped', 'KM median [95% CI]', 'mean', 'median*eta/log d'].join('\t'));
    for (const r of rows) {
      const s = r.setting;
      const m = r.summary;
      lines.push(
        [s.engine, s.activation, s.teacher, s.kind, s.mu, s.d, s.rank, s.hidden, m.runs, `${m.escaped} (${(100 * m.fraction).toFixed(0)}%)`, `${f(m.median)} [${f(m.medianCI.lo)}, ${m.medianCI.hi === null ? 'inf' : f(m.medianCI.hi)}]`, `${f(m.mean, 1)}${m.meanRestricted ? ' (restricted)' : ''}`, f(r.medianPerLogD, 3)].join('\t'),
      );
    }
    text = lines.join('\n') + '\n';
  }
  if (o.out) writeFileAtomic(o.out, text);
  else process.stdout.write(text);
  return 0;
}

export const resultsCommand: CliCommand = {
  name: 'results',
  summary: 'list a result store: escape statistics per setting, or every run as CSV',
  configure(cmd) {
    cmd
      .argument('<dir>', 'a result store (the --out of `loradyn sweep`)')
      .option('--threshold <x>', 'escape threshold on |m|, one the runs recorded (default: 0.5)', numberArg('threshold', 0, 1, true))
      .option('--csv', 'one CSV row per run instead of the table')
      .option('--json', 'the per-setting statistics as JSON')
      .option('--out <file>', 'write to FILE instead of stdout');
    examples(cmd, [
      ['loradyn results runs/', 'per setting: escaped, Kaplan-Meier median [95% CI], mean, x eta / log d'],
      ['loradyn results runs/ --csv > runs.csv', 'one row per run'],
      ['loradyn results runs/ --json | jq .settings[0]', 'machine-readable'],
    ]);
    cmd.action(action((dir: string, o: ResultsOptions) => runResults(dir, o)));
  },
};
