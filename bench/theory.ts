// Theory engine speed: a 200-point tau(mu) curve for erf (target < 50 ms) and a full rank-1
// ODE trajectory to t = 1e4 (target < 20 ms), one core, against a numpy peer of the curve.
import { simulate, tauCurve, muGrid } from '../lib/index.js';
import { printTable, runPeer, writeResults } from './harness.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchTheory(opts: { repeat?: number } = {}) {
  const repeat = opts.repeat ?? 21;
  const mu = muGrid(0.01, 0.99, 200);
  // tau curve: wall time of the async call (worker thread + conversion included).
  await tauCurve({ activation: 'erf' }, mu);
  const tauMs: number[] = [];
  let tau: (number | null)[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const pts = await tauCurve({ activation: 'erf' }, mu);
    tauMs.push(performance.now() - t0);
    tau = pts.map((p) => p.tau);
  }
  const peer = runPeer('theory_numpy.py', ['--points', '200', '--nodes', '100', '--repeat', '5']);
  const peerTau = peer.tau as number[];
  const maxRel = Math.max(...tau.map((x, i) => Math.abs(x! - peerTau[i]!) / peerTau[i]!));
  // ODE: erf, mu = 0.5, eta = 0.2, 50000 steps = t 1e4, 200 recorded points.
  const odeCfg = {
    model: { activation: 'erf', d: 1000, pretrained: { mu: 0.5 } },
    train: { eta: 0.2, steps: 50000 },
    engine: 'ode' as const,
    record: { points: 200 },
  };
  await simulate(odeCfg, { threads: 1 });
  const odeWall: number[] = [],
    odeNative: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const r = await simulate(odeCfg, { threads: 1 });
    odeWall.push(performance.now() - t0);
    odeNative.push(r.wallMs);
  }
  // Links without closed forms run on quadrature: shown for scale, no target.
  const quadMs: Record<string, number> = {};
  for (const activation of ['relu', 'sigmoid']) {
    const t0 = performance.now();
    await tauCurve({ activation }, mu);
    quadMs[activation] = performance.now() - t0;
  }
  const rows = [
    {
      what: 'tau(mu), erf, 200 points',
      loradynMs: median(tauMs),
      numpyMs: peer.seconds * 1000,
      targetMs: 50,
      note: `max rel. diff vs numpy ${maxRel.toExponential(1)}`,
    },
    {
      what: 'rank-1 ODE, erf, t = 1e4 (simulate wall)',
      loradynMs: median(odeWall),
      numpyMs: NaN,
      targetMs: 20,
      note: `native part ${median(odeNative).toFixed(2)} ms`,
    },
    { what: 'tau(mu), relu, 200 points (closed forms)', loradynMs: quadMs.relu!, numpyMs: NaN, targetMs: NaN, note: 'single run' },
    { what: 'tau(mu), sigmoid, 200 points (quadrature)', loradynMs: quadMs.sigmoid!, numpyMs: NaN, targetMs: NaN, note: 'single run' },
  ];
  printTable(
    'theory engine, one core (median of ' + repeat + ' runs, ms)',
    ['what', 'loradyn', 'numpy', 'target', 'note'],
    rows.map((r) => [r.what, r.loradynMs, r.numpyMs, r.targetMs, r.note]),
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchTheory();
  process.stdout.write(`wrote ${writeResults('theory', rows)}\n`);
}
