// From-scratch escape with the exact reduced chain: samples to reach m >= 0.5 against d for
// He3 and He4 (SPEC section 6 item 9; theory: d^(k-1) samples for information exponent k >= 3),
// and the fitted exponent. Run: npm run build:ts && node dist/bench/scaling.js [he3|he4|he3-1e5] [--quick]
//
// Learning rate: eta = alpha B / d^(k/2). The drift of m near m0 ~ d^(-1/2) is ~ eta m^(k-1)
// and the spherical renormalisation shrinks m by ~ eta^2 (d/B) m per step, so escape needs
// eta below ~ B m0^(k-2) / d = B / d^(k/2); with that scaling the number of samples to escape
// is ~ d^(k-1). B grows with d so that the per-step overhead (one chi-square) stays negligible.
import { simulate } from '../lib/index.js';
import { logLogSlope } from '../lib/experiments/escape_stats.js';
import { printTable, writeResults } from './harness.js';

interface Study {
  name: string;
  activation: string;
  k: number;
  dims: number[];
  batch: (d: number) => number;
  alpha: number;
  horizonSamples: (d: number) => number;
  seeds: number;
}

const full: Study[] = [
  {
    name: 'he3',
    activation: 'he3',
    k: 3,
    dims: [500, 1000, 2000, 4000, 8000],
    batch: (d) => d / 10,
    alpha: 0.03,
    horizonSamples: (d) => 20 * d * d,
    seeds: 16,
  },
  { name: 'he4', activation: 'he4', k: 4, dims: [90, 130, 180, 250], batch: (d) => d, alpha: 0.003, horizonSamples: (d) => 20 * d ** 3, seeds: 16 },
  // One point at d = 1e5 (two runs, horizon 15 d^2 samples): about 18 CPU-minutes per run.
  { name: 'he3-1e5', activation: 'he3', k: 3, dims: [100000], batch: (d) => d / 10, alpha: 0.03, horizonSamples: (d) => 15 * d * d, seeds: 2 },
];

// Quantile q of samples where censored runs are +Infinity (they are later than every escape):
// it exists while fewer than a fraction 1 - q are censored. Linear interpolation.
function quantile(x: number[], q: number): number | null {
  const s = [...x].sort((a, b) => a - b);
  const pos = q * (s.length - 1),
    lo = Math.floor(pos),
    hi = Math.ceil(pos);
  const v = s[lo]! + (pos - lo) * (s[hi]! - s[lo]!);
  return Number.isFinite(v) ? v : null;
}

export interface ScalingRow {
  d: number;
  batch: number;
  eta: number;
  steps: number;
  escaped: number;
  runs: number;
  q1Samples: number | null;
  medianSamples: number | null;
  samples: (number | null)[];
  wallSeconds: number;
}

export async function benchScaling(which: string[] = ['he3', 'he4'], quick = false) {
  const out = [];
  for (const st of full.filter((s) => which.includes(s.name))) {
    const dims = quick ? st.dims.slice(0, 3) : st.dims;
    const rows: ScalingRow[] = [];
    for (const d of dims) {
      const B = Math.round(st.batch(d));
      const eta = (st.alpha * B) / d ** (st.k / 2);
      const steps = Math.ceil(st.horizonSamples(d) / B);
      const t0 = performance.now();
      const res = await simulate({
        model: { activation: st.activation, d, pretrained: { kind: 'scratch' } },
        train: { batch: B, eta, steps },
        record: { points: 40, thresholds: [0.5] },
        engine: 'reduced',
        seeds: Array.from({ length: quick ? 4 : st.seeds }, (_, i) => i + 1),
        backend: 'cpu',
      });
      const wall = (performance.now() - t0) / 1000;
      const samples = res.runs.map((r) => (r.escape['0.5'] === null ? Infinity : r.escape['0.5']! * B));
      const q1 = quantile(samples, 0.25),
        med = quantile(samples, 0.5);
      const escaped = samples.filter(Number.isFinite).length;
      rows.push({
        d,
        batch: B,
        eta,
        steps,
        escaped,
        runs: samples.length,
        q1Samples: q1,
        medianSamples: med,
        samples: samples.map((x) => (Number.isFinite(x) ? x : null)),
        wallSeconds: wall,
      });
      process.stdout.write(
        `${st.name} d=${d} B=${B} eta=${eta.toExponential(2)}: escaped ${escaped}/${samples.length}, quartile ${q1?.toExponential(3) ?? 'censored'}, median ${med?.toExponential(3) ?? 'censored'} samples (${wall.toFixed(1)} s)\n`,
      );
    }
    const fit = (key: 'q1Samples' | 'medianSamples') => {
      const ok = rows.filter((r) => r[key] !== null);
      return ok.length >= 2
        ? logLogSlope(
            ok.map((r) => r.d),
            ok.map((r) => r[key]!),
          )
        : NaN;
    };
    const exponentQ1 = fit('q1Samples'),
      exponentMedian = fit('medianSamples');
    printTable(
      `${st.name} from scratch, exact reduced chain: samples to |m| >= 0.5 over ${rows[0]?.runs} seeds (censored runs count as later than all)`,
      ['d', 'B', 'eta', 'escaped', 'lower quartile', 'median', `median / d^${st.k - 1}`, 'wall s'],
      rows.map((r) => [
        r.d,
        r.batch,
        r.eta,
        `${r.escaped}/${r.runs}`,
        r.q1Samples ?? NaN,
        r.medianSamples ?? NaN,
        r.medianSamples === null ? NaN : r.medianSamples / r.d ** (st.k - 1),
        r.wallSeconds,
      ]),
    );
    process.stdout.write(
      `${st.name}: fitted exponent of samples vs d: lower quartile ${exponentQ1.toFixed(2)}, median ${exponentMedian.toFixed(2)} (theory ${st.k - 1})\n`,
    );
    out.push({ study: st.name, k: st.k, alpha: st.alpha, rows, exponentQ1, exponentMedian });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const which = args.filter((a) => full.some((s) => s.name === a));
  const res = await benchScaling(which.length ? which : ['he3', 'he4'], args.includes('--quick'));
  process.stdout.write(`wrote ${writeResults('scaling', res)}\n`);
}
