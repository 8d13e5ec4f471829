// The escape law (lib/escape_law.ts) against the exact reduced chain over a grid of links, mu,
// d, B and eta, including where it fails (kappa >= 2: B/d -> 0 at fixed eta). For each setting:
// the law's q10 ... q90, the chain's empirical quantiles over `seeds` runs, and their ratios;
// also the law without SGD's noise in the start and without the noise drift, to show what each
// part is worth. Run: npm run build:ts && node dist/bench/escape_law.js [--seeds N] [--quick]
import { escapeLaw, simulate } from '../lib/index.js';
import { printTable, writeResults } from './harness.js';

const P = [0.1, 0.25, 0.5, 0.75, 0.9];
type Row = [string, number, number, number, number, boolean?];

// [activation, mu, d, B, eta, hermiteRescale]
const GRID: Row[] = [
  ['linear', 0.4, 1000, 500, 0.2],
  ['linear', 0.8, 1000, 500, 0.2],
  ['linear', 0.2, 1000, 100, 0.5],
  ['linear', 0.6, 100, 10, 0.3],
  ['linear', 0.4, 10000, 500, 0.2],
  ['linear', 0.4, 30000, 500, 0.2],
  ['linear', 0.4, 1000, 50, 0.2],
  ['linear', 0.4, 1000, 20, 0.2],
  ['linear', 0.4, 1000, 10, 0.2],
  ['linear', 0.4, 10000, 50, 0.2],
  ['relu', 0.3, 1000, 500, 0.2],
  ['relu', 0.3, 1000, 100, 0.2],
  ['erf', 0.4, 1000, 500, 0.2],
  ['erf', 0.3, 1000, 50, 0.2],
  ['erf', 0.5, 300, 30, 0.4],
  ['sigmoid', 0.1, 100, 10, 0.5],
  ['sigmoid', 0.2, 1000, 500, 0.2],
  ['tanh', 0.3, 1000, 100, 0.2],
  ['he3', 0.6, 1000, 500, 0.2, true],
  ['he3', 0.2, 1000, 500, 0.2, true],
];

function quantiles(xs: number[], ps: number[]): number[] {
  const s = [...xs].sort((a, b) => a - b);
  return ps.map((p) => {
    const pos = (s.length - 1) * p,
      lo = Math.floor(pos),
      hi = Math.ceil(pos);
    return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
  });
}

export async function benchEscapeLaw(seeds = 2000, quick = false) {
  const grid = quick ? GRID.slice(0, 6) : GRID;
  const out = [];
  const rows: (string | number)[][] = [];
  for (const [activation, mu, d, batch, eta, hr = false] of grid) {
    const spec = { activation, mu, d, batch, eta, hermiteRescale: hr };
    const law = await escapeLaw(spec);
    const flowOnly = await escapeLaw({ ...spec, noiseDrift: false });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const cap = law.quantiles[4]?.steps ? Math.ceil(6 * law.quantiles[4].steps) : Math.ceil(20 * (flowOnly.quantiles[4]?.steps ?? 1000));
    const r = await simulate({
      model: { activation, d, pretrained: { mu } },
      train: { batch, eta, hermiteRescale: hr, steps: cap },
      engine: 'reduced',
      backend: 'cpu',
      seeds: { count: seeds, base: 50000 },
      record: { points: 4, stopAt: 0.5 },
    });
    const esc = r.runs.map((x) => x.escape['0.5'] ?? Infinity);
    const emp = quantiles(esc, P);
    const escaped = esc.filter(Number.isFinite).length;
    const lawQ = law.quantiles.map((q) => q.steps);
    const ratio = emp.map((e, i) => (lawQ[i] ? e / lawQ[i]! : null));
    const cpu = process.cpuUsage(cpu0);
    const f = (x: number | null | undefined) => (x === null || x === undefined ? 'never' : Number.isFinite(x) ? x.toFixed(0) : 'cens.');
    const label = `${activation} mu=${mu} d=${d} B=${batch} eta=${eta}${hr ? '/(k!k)' : ''}`;
    rows.push([
      label,
      law.kappa.toFixed(2),
      (law.zeta.sdNoise / law.zeta.sdInit).toFixed(2),
      lawQ.map(f).join(' '),
      emp.map(f).join(' '),
      ratio.map((x) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(3))).join(' '),
      flowOnly.quantiles[2]?.steps?.toFixed(0) ?? 'never',
      `${escaped}/${seeds} in ${cap}`,
    ]);
    out.push({
      spec,
      kappa: law.kappa,
      noiseOverInit: law.zeta.sdNoise / law.zeta.sdInit,
      law: lawQ,
      flowOnlyMedian: flowOnly.quantiles[2]?.steps ?? null,
      chain: emp.map((x) => (Number.isFinite(x) ? x : null)),
      ratio,
      escaped,
      seeds,
      cap,
      wallSeconds: (performance.now() - t0) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    });
  }
  printTable(
    `escape law against the reduced chain (${seeds} runs per setting; quantiles q10 q25 q50 q75 q90 of the first step with |m| >= 0.5)`,
    ['setting', 'kappa', 'noise/init', 'law', 'chain', 'chain / law', 'flow-only median', 'escaped'],
    rows,
  );
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--seeds');
  const seeds = i > 0 ? Number(process.argv[i + 1]) : 2000;
  const data = await benchEscapeLaw(seeds, process.argv.includes('--quick'));
  process.stdout.write(`wrote ${writeResults('escape_law', data)}\n`);
}
