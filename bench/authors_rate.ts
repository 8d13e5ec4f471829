// Which learning rate do the authors' stored escape times correspond to? loradyn's exact window
// metric (paperWindowMetricDense, their 0-based index) on dense reduced-chain records at the
// paper's settings (d = 1000, B = 500, u0 = 1/d^2) for several eta, to set beside their stored
// values (bench/authors_data.ts reads them) and beside their own loop restated in numpy
// (bench/peers/authors_loop.py). REPRODUCTION.md, section "Comparison with the authors' numbers".
//
// Run: npm run build:ts && node dist/bench/authors_rate.js [--seeds 24] [--activation linear]
//      [--mu 0.1,0.5,0.9] [--eta 0.2,0.25,0.3]
import { parseArgs } from 'node:util';
import { paperWindowMetricDense, simulate } from '../lib/index.js';
import { printTable } from './harness.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '24' },
    activation: { type: 'string', default: 'linear' },
    mu: { type: 'string', default: '0.1,0.5,0.9' },
    eta: { type: 'string', default: '0.2,0.25,0.3' },
    steps: { type: 'string', default: '8000' },
  },
});
const list = (s: string) => s.split(',').map(Number);
const rows: (string | number)[][] = [];
for (const mu of list(values.mu)) {
  const row: (string | number)[] = [values.activation, mu];
  for (const eta of list(values.eta)) {
    const steps = Number(values.steps);
    const r = await simulate(
      {
        engine: 'reduced',
        backend: 'cpu',
        model: { activation: values.activation, d: 1000, pretrained: { mu } },
        train: { batch: 500, eta, steps },
        record: { points: 20, dense: steps },
        seeds: { count: Number(values.seeds) },
      },
      { threads: 1 },
    );
    const w = paperWindowMetricDense(r.runs, mu);
    row.push(w ? w.paperIndex.toFixed(1) : `> ${steps}`);
  }
  rows.push(row);
}
printTable(
  `loradyn's window metric (their 0-based index), reduced chain, d = 1000, B = 500, ${values.seeds} seeds`,
  ['activation', 'mu', ...list(values.eta).map((e) => `eta ${e}`)],
  rows,
);
