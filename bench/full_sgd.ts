// Full-d SGD steps/s, loradyn (one thread, one seed) against the numpy peer in the same run.
import { simulate } from '../lib/index.js';
import { printTable, runPeer, writeResults } from './harness.js';

const cases = [
  { d: 1000, batch: 1 },
  { d: 1000, batch: 500 },
  { d: 10000, batch: 1 },
  { d: 10000, batch: 500 },
];

/** Steps sized so each measurement takes roughly `seconds` at ~1e8 draws/s. */
const stepsFor = (d: number, batch: number, seconds: number) => Math.max(20, Math.round((seconds * 1e8) / (d * batch)));

export async function benchFullSgd(opts: { seconds?: number } = {}) {
  const seconds = opts.seconds ?? 1;
  const rows = [];
  for (const c of cases) {
    const steps = stepsFor(c.d, c.batch, seconds);
    const t0 = performance.now();
    await simulate(
      { model: { d: c.d, activation: 'linear' }, train: { batch: c.batch, steps }, seeds: [1], backend: 'cpu', record: { points: 20 } },
      { threads: 1 },
    );
    const ours = steps / ((performance.now() - t0) / 1000);
    const peerSteps = Math.max(10, Math.round(steps / 8));
    const peer = runPeer('full_sgd_numpy.py', ['--d', String(c.d), '--batch', String(c.batch), '--steps', String(peerSteps)]);
    rows.push({ ...c, steps, loradynStepsPerS: ours, numpyStepsPerS: peer.steps_per_s!, ratio: ours / peer.steps_per_s!, gaussiansPerS: ours * c.d * c.batch });
  }
  printTable(
    'full-d SGD, rank 1, linear, one core (steps/s)',
    ['d', 'B', 'loradyn', 'numpy', 'ratio', 'Gaussians/s'],
    rows.map((r) => [r.d, r.batch, r.loradynStepsPerS, r.numpyStepsPerS, r.ratio, r.gaussiansPerS]),
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchFullSgd();
  process.stdout.write(`wrote ${writeResults('full_sgd', rows)}\n`);
}
