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
  const [
    { openStore, StoreError },
    { loadSettings, recordedThresholds, runsCsv, settingFields, settingRows },
    { fieldLabels },
    { writeFileAtomic },
    { storeWarning },
  ] = await Promise.all([
    import('../experiments/store.js'),
    import('../experiments/results.js'),
    import('../experiments/fields.js'),
    import('./io.js'),
    import('./store_warning.js'),
  ]);
  if (o.csv && o.json) throw new UsageError('give --csv or --json, not both');
  let store: import('../experiments/store.js').ResultStore;
  try {
    store = openStore(dir, { onWarning: storeWarning });
  } catch (e) {
    if (e instanceof StoreError) throw new UsageError(e.message);
    throw e;
  }
  const settings = loadSettings(store);
  const recorded = recordedThresholds(settings);
  // A threshold the runs did not record would report every run censored: refuse it.
  const th = o.threshold ?? (recorded.includes('0.5') || !recorded.length ? 0.5 : Number(recorded[0]));
  if (settings.length && !recorded.includes(String(th)))
    throw new UsageError(
      `threshold ${th} was not recorded by ${o.threshold === undefined ? 'these' : 'the'} runs (record.thresholds); recorded: ${recorded.length ? recorded.join(', ') : 'none common to every run'}`,
    );
  let text: string;
  if (o.csv) text = runsCsv(settings);
  else {
    const rows = settingRows(settings, th);
    const paths = settingFields(settings);
    if (o.json) text = JSON.stringify({ store: store.dir, threshold: th, recordedThresholds: recorded.map(Number), fields: paths, settings: rows }) + '\n';
    else {
      // Every field that varies is a column, so no two rows look alike; with one setting, a few that orient.
      const cols = paths.length ? paths : ['engine', 'model.activation', 'model.pretrained.mu', 'model.d'];
      const labels = fieldLabels(cols);
      const value = (r: (typeof rows)[number], p: string) => {
        const v =
          p in r.fields ? r.fields[p] : r.setting[{ engine: 'engine', 'model.activation': 'activation', 'model.pretrained.mu': 'mu', 'model.d': 'd' }[p] ?? p];
        return v === null || v === undefined ? '-' : String(v);
      };
      const lines = [`${store.dir}: ${settings.reduce((n, s) => n + s.runs.length, 0)} run(s) in ${settings.length} setting(s); escape at |m| >= ${th}`];
      lines.push([...cols.map((p) => labels.get(p)!), 'runs', 'escaped', 'KM median [95% CI]', 'mean', 'median*eta/log d'].join('\t'));
      for (const r of rows) {
        const m = r.summary;
        lines.push(
          [
            ...cols.map((p) => value(r, p)),
            m.runs,
            `${m.escaped} (${(100 * m.fraction).toFixed(0)}%)`,
            `${f(m.median)} [${f(m.medianCI.lo)}, ${m.medianCI.hi === null ? 'inf' : f(m.medianCI.hi)}]`,
            `${f(m.mean, 1)}${m.meanRestricted ? ' (restricted)' : ''}`,
            f(r.medianPerLogD, 3),
          ].join('\t'),
        );
      }
      text = lines.join('\n') + '\n';
    }
  }
  if (o.out !== undefined)
    writeFileAtomic(o.out, text); // "" is refused there
  else process.stdout.write(text);
  return 0;
}

export const resultsCommand: CliCommand = {
  name: 'results',
  summary: 'escape statistics per setting of a result store (every varying field a column), or every run as CSV',
  configure(cmd) {
    cmd
      .argument('<dir>', 'a result store (the --out of `loradyn sweep`), or a folder written by `loradyn reproduce`')
      .option('--threshold <x>', 'escape threshold on |m|: one the runs recorded (default: 0.5, or the first recorded one)', numberArg('threshold', 0, 1, true))
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
