import { parseArgs, UsageError } from './args.js';
import type { Command } from './command.js';
import { writeFileAtomic } from './io.js';
import { ResultStore, StoreError } from '../experiments/store.js';
import { loadSettings, runsCsv, settingRows } from '../experiments/results.js';
import { storeWarning } from './store_warning.js';

const f = (x: number | null, digits = 0) => (x === null ? '-' : x.toFixed(digits));

export const resultsCommand: Command = {
  name: 'results',
  summary: 'list a result store: escape statistics per setting, or every run as CSV',
  usage: 'loradyn results DIR [--csv] [--out FILE] [--threshold 0.5]',
  async run(argv) {
    const a = parseArgs(argv, { values: ['out', 'threshold'], booleans: ['csv'] });
    if (a.positional.length !== 1) throw new UsageError('expected exactly one result directory');
    let store: ResultStore;
    try {
      store = ResultStore.open(a.positional[0]!, false, { onWarning: storeWarning });
    } catch (e) {
      if (e instanceof StoreError) throw new UsageError(e.message);
      throw e;
    }
    const th = a.values.threshold === undefined ? 0.5 : Number(a.values.threshold);
    if (!(th > 0 && th <= 1)) throw new UsageError(`--threshold must be in (0, 1] (got ${a.values.threshold})`);
    const settings = loadSettings(store);
    let text: string;
    if (a.flags.has('csv')) text = runsCsv(settings);
    else {
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
    if (a.values.out) writeFileAtomic(a.values.out, text);
    else process.stdout.write(text);
    return 0;
  },
};
