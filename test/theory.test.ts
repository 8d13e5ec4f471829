// The theory engine: closed-form Gaussian expectations against quadrature, L_M and L_Q
// against finite differences of L, the escape coefficients (linear exactly), critical
// points, the potential, bad input, and the CLI contracts.
import t from 'tap';
import { erf } from './support/stats.js';
import {
  gaussExpect,
  tauCurve,
  criticalPoints,
  tExit,
  topCoefficient,
  linearPotential,
  lossDerivatives,
  committeeLoss,
  populationLoss,
  ConfigError,
  type GaussOperand,
} from '../lib/index.js';
import { runCli } from './support/cli.js';

type Cov = [number, number, number];
// Covariances: generic, negative correlation, large variance, and the exactly degenerate
// (lam = mu lam*) point where the escape theory lives (caa = mu^2, cab = mu, cbb = 1).
const covs: Cov[] = [
  [0.5, 0.3, 1.0],
  [1.3, -0.7, 0.9],
  [2.0, 0.9, 1.0],
  [0.36, 0.6, 1.0],
  [0.25, 0.5, 1.0],
];

t.test('closed forms agree with quadrature to 1e-10', async (t) => {
  const op = (activation: string, order: 0 | 1 | 2, squared = false): GaussOperand => ({ activation, order, squared });
  const cases: [GaussOperand, GaussOperand][] = [];
  // Families with closed forms, every derivative pairing the theory uses (and more).
  for (const fam of ['linear', 'square', 'he3', 'he2+0.5*he4', 'he5', 'erf', 'relu', 'erf+he3', 'relu+he2'])
    for (const i of [0, 1, 2] as const) for (const j of [0, 1] as const) cases.push([op(fam, i), op(fam, j)]);
  // Cross families: polynomial x erf, polynomial x relu (Hermite moments in closed form).
  for (const [a, b] of [
    ['he3', 'erf'],
    ['he4', 'relu'],
    ['linear', 'relu'],
    ['square', 'erf'],
    ['erf', 'he2'],
  ])
    for (const i of [0, 1, 2] as const) for (const j of [0, 1] as const) cases.push([op(a!, i), op(b!, j)]);
  // Squared polynomial teachers (Hermite products).
  cases.push([op('he3', 0), op('he3', 0, true)], [op('he3', 2), op('he3', 1, true)], [op('linear', 1), op('linear', 1, true)]);
  let worst = 0;
  for (const [f, g] of cases)
    for (const c of covs) {
      if (f.order === 2 && String(g.activation).includes('relu') && c[1] * c[1] === c[0] * c[2]) continue;
      const closed = gaussExpect(f, g, c, 'auto');
      const quad = gaussExpect(f, g, c, 'quadrature');
      const err = Math.abs(closed - quad) / Math.max(1, Math.abs(quad));
      worst = Math.max(worst, err);
      if (err > 1e-10) t.fail(`${JSON.stringify(f)} x ${JSON.stringify(g)} at ${c}: closed ${closed} quad ${quad}`);
    }
  t.ok(worst <= 1e-10, `worst relative difference over ${cases.length * covs.length} expectations: ${worst.toExponential(2)}`);
});

t.test('closed forms match textbook values', async (t) => {
  // E[He_j(a) He_k(b)] = delta_jk k! c^k for unit variances with correlation c.
  for (const [j, k] of [
    [3, 3],
    [4, 4],
    [3, 5],
    [6, 6],
  ] as const) {
    const v = gaussExpect({ activation: `he${j}` }, { activation: `he${k}` }, [1, 0.4, 1]);
    const fact = [1, 1, 2, 6, 24, 120, 720][k]!;
    t.ok(Math.abs(v - (j === k ? fact * 0.4 ** k : 0)) < 1e-12, `E[He${j} He${k}] = ${v}`);
  }
  // erf arcsin formula.
  const [caa, cab, cbb] = [0.7, 0.4, 1.1];
  const ref = (2 / Math.PI) * Math.asin((2 * cab) / Math.sqrt((1 + 2 * caa) * (1 + 2 * cbb)));
  t.ok(Math.abs(gaussExpect({ activation: 'erf' }, { activation: 'erf' }, [caa, cab, cbb]) - ref) < 1e-14, 'E[erf erf] arcsin');
  // relu: E[relu(a) relu(b)] = 1/(2 pi) for independent unit a, b; = 1/2 for a = b.
  t.ok(Math.abs(gaussExpect({ activation: 'relu' }, { activation: 'relu' }, [1, 0, 1]) - 1 / (2 * Math.PI)) < 1e-15);
  t.ok(Math.abs(gaussExpect({ activation: 'relu' }, { activation: 'relu' }, [1, 1, 1]) - 0.5) < 1e-15);
  // Dirac term: E[delta(a) relu(b)] = sqrt(cbb (1 - rho^2)) / (2 pi sqrt(caa)).
  const rho = 0.3 / Math.sqrt(0.5);
  const dref = Math.sqrt(1 - rho * rho) / (2 * Math.PI * Math.sqrt(0.5));
  t.ok(Math.abs(gaussExpect({ activation: 'relu', order: 2 }, { activation: 'relu' }, [0.5, 0.3, 1]) - dref) < 1e-14, 'relu Dirac term');
});

t.test('L_M and L_Q are the derivatives of L (label noise included)', async (t) => {
  const pairs = [
    { activation: 'erf' },
    { activation: 'relu' },
    { activation: 'he3' },
    { activation: 'sigmoid' },
    { activation: 'tanh', teacher: 'erf' as const },
    { activation: 'erf', teacher: 'square' as const },
    { activation: 'relu', teacher: 'square' as const },
    { activation: 'he2+he3', teacher: 'square' as const, noise: 0.3 },
  ];
  const pts: [number, number][] = [
    [0.3, 0.5],
    [0.6, 1.1],
    [-0.2, 0.8],
  ];
  const h = 1e-5;
  for (const p of pairs)
    for (const [M, Q] of pts) {
      const at = lossDerivatives(p, [M, M + h, M - h, M, M], [Q, Q, Q, Q + h, Q - h]);
      const fdM = (at.L[1]! - at.L[2]!) / (2 * h),
        fdQ = (at.L[3]! - at.L[4]!) / (2 * h);
      const tol = 1e-6 * Math.max(1, Math.abs(at.L[0]!));
      t.ok(
        Math.abs(at.LM[0]! - fdM) < tol && Math.abs(at.LQ[0]! - fdQ) < tol,
        `${JSON.stringify(p)} at (${M}, ${Q}): L_M ${at.LM[0]} vs ${fdM}, L_Q ${at.LQ[0]} vs ${fdQ}`,
      );
    }
  // The loss every simulator records is the same closed form (noise/2 added).
  const cfg = { model: { activation: 'erf', noise: 0.2 } };
  const L = lossDerivatives({ activation: 'erf', noise: 0.2 }, [0.4], [0.9]).L[0]!;
  t.ok(Math.abs(populationLoss(cfg, [0.4], [0.9]) - L) < 1e-15, 'populationLoss uses the theory engine');
  t.ok(Math.abs(lossDerivatives({ activation: 'linear' }, [1], [1]).L[0]!) < 1e-15, 'L = 0 at the global minimum');
});

t.test('committee gradient matches finite differences of the committee loss', async (t) => {
  const K = 3,
    h = 1e-5;
  // W rows in a 5-dim space give a valid (M, Q); teacher rows are the first K unit vectors.
  const W = [
    [0.6, 0.2, -0.1, 0.3, 0.1],
    [0.1, 0.7, 0.2, -0.2, 0.3],
    [-0.2, 0.1, 0.5, 0.4, -0.3],
  ];
  const M = W.flatMap((w) => [w[0]!, w[1]!, w[2]!]);
  const Q = W.flatMap((w) => W.map((v) => w.reduce((s, x, i) => s + x * v[i]!, 0)));
  for (const pair of [
    { activation: 'erf' },
    { activation: 'relu' },
    { activation: 'he3', teacher: 'square' as const },
    { activation: 'tanh', teacher: 'erf' as const },
  ]) {
    // The readout the simulators use: 1/sqrt(K) for zero-mean s, 1/K for relu.
    const a = pair.activation === 'relu' ? 1 / K : 1 / Math.sqrt(K);
    const g = committeeLoss(pair, K, a, M, Q);
    let worst = 0;
    for (let e = 0; e < K * K; e++) {
      const Mp = [...M],
        Mm = [...M];
      Mp[e]! += h;
      Mm[e]! -= h;
      const fdM = (committeeLoss(pair, K, a, Mp, Q).L - committeeLoss(pair, K, a, Mm, Q).L) / (2 * h);
      const Qp = [...Q],
        Qm = [...Q];
      Qp[e]! += h;
      Qm[e]! -= h;
      const fdQ = (committeeLoss(pair, K, a, M, Qp).L - committeeLoss(pair, K, a, M, Qm).L) / (2 * h);
      worst = Math.max(worst, Math.abs(fdM - g.GM[e]!), Math.abs(fdQ - g.GQ[e]!));
    }
    t.ok(worst < 1e-6 * Math.max(1, g.L), `${JSON.stringify(pair)}: worst |grad - finite difference| = ${worst.toExponential(2)}`);
    const pl = populationLoss({ model: { ...pair, hidden: K, d: 100, pretrained: { mu: 0.5 } } }, M, Q);
    t.ok(Math.abs(pl - g.L) < 1e-12 * Math.max(1, g.L), 'the recorded committee loss is the same function');
  }
});

t.test('escape coefficients', async (t) => {
  const mus = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99];
  const lin = await tauCurve({ activation: 'linear' }, mus);
  for (const p of lin) {
    t.ok(Math.abs(p.A - (1 - p.mu)) < 1e-15 && Math.abs(p.B + 1) < 1e-15, `linear mu=${p.mu}: A=${p.A}, B=${p.B}`);
    const tau = (1 + Math.sqrt(1 + 4 * (1 - p.mu) ** 2)) / (2 * (1 - p.mu) ** 2);
    t.ok(Math.abs(p.tau! - tau) < 1e-12 * tau, `linear tau(${p.mu})`);
  }
  // A and B by their definitions, evaluated by an independent Gauss-Hermite sum in TS for erf.
  const gh = ghRule(120);
  const erfA = (mu: number) => -gh.reduce((s, [x, w]) => s + w * (erf(mu * x) - erf(x)) * derf(mu * x) * x, 0);
  const erfB = (mu: number) => -gh.reduce((s, [x, w]) => s + w * (derf(mu * x) ** 2 + (erf(mu * x) - erf(x)) * -2 * mu * x * derf(mu * x)), 0);
  for (const p of await tauCurve({ activation: 'erf' }, [0.2, 0.5, 0.8]))
    t.ok(Math.abs(p.A - erfA(p.mu)) < 1e-6 && Math.abs(p.B - erfB(p.mu)) < 1e-6, `erf mu=${p.mu}: A ${p.A} vs ${erfA(p.mu)}, B ${p.B} vs ${erfB(p.mu)}`);
  // relu keeps the Dirac term: B = -E[s'^2] - E[(s - t) delta] = -1/2 + E[relu(z) delta(mu z)] = -1/2 (relu(0) = 0)
  // while A includes it too; compare with the finite-difference slope of L along u.
  const [r] = await tauCurve({ activation: 'relu' }, [0.5]);
  t.ok(Math.abs(r!.B + 0.5) < 1e-14, `relu B(0.5) = ${r!.B}`);
  // Hermite rescale divides A and B by k! k.
  const [h1] = await tauCurve({ activation: 'he3' }, [0.4]);
  const [h2] = await tauCurve({ activation: 'he3', hermiteRescale: true }, [0.4]);
  t.ok(Math.abs(h1!.A / 18 - h2!.A) < 1e-12 && Math.abs(h1!.B / 18 - h2!.B) < 1e-12, 'rescale by 3! 3 = 18');
  // Where A = 0, tau is null with a reason.
  const [one] = await tauCurve({ activation: 'erf' }, [1]);
  t.equal(one!.tau, null);
  t.match(one!.reason, /A\(mu\) = 0/);
});

t.test('critical points: zeros of A and minima of tau', async (t) => {
  const c = await criticalPoints({ activation: 'he3', hermiteRescale: true });
  t.ok(c.zeros.length >= 1, `He3 has a critical mu_c: ${c.zeros}`);
  for (const z of c.zeros) {
    const [lo, at, hi] = await tauCurve({ activation: 'he3', hermiteRescale: true }, [z - 1e-6, z, z + 1e-6]);
    t.ok(Math.sign(lo!.A) !== Math.sign(hi!.A), `A changes sign across ${z}`);
    t.ok(Math.abs(at!.A) < 1e-7, `|A(mu_c)| = ${Math.abs(at!.A)}`);
  }
  t.ok(c.minima.length >= 1);
  for (const m of c.minima) {
    const [a, b, d] = await tauCurve({ activation: 'he3', hermiteRescale: true }, [m.mu - 1e-4, m.mu, m.mu + 1e-4]);
    t.ok(b!.tau! <= a!.tau! && b!.tau! <= d!.tau!, `tau has a local minimum ${m.tau} at ${m.mu}`);
  }
  const lin = await criticalPoints({ activation: 'linear' });
  t.same(lin.zeros, [], 'the linear model has no interior critical mu');
  t.same(lin.minima, [], 'and tau is monotone');
});

t.test('top-coefficient approximation, exit time, potential', async (t) => {
  const [p] = topCoefficient(3, [0.5]);
  t.ok(Math.abs(p!.A - 0.25 * (1 - 0.125)) < 1e-15 && Math.abs(p!.B + 0.0625) < 1e-15, 'A = mu^2 (1 - mu^3), B = -mu^4');
  // He1 = linear: the approximation is exact.
  const [q] = topCoefficient(1, [0.3]);
  const [lin] = await tauCurve({ activation: 'linear' }, [0.3]);
  t.ok(Math.abs(q!.tau! - lin!.tau!) < 1e-12);
  t.ok(Math.abs(tExit(2, { d: 1e4 })! - 2 * Math.log(100)) < 1e-12, 't_exit = tau log(R / eps), eps = d^-1/2');
  t.ok(Math.abs(tExit(2, { eps: 0.01, R: 0.5 })! - 2 * Math.log(50)) < 1e-12);
  t.equal(tExit(null, { d: 100 }), null);
  t.throws(() => tExit(1, {}), ConfigError);
  t.throws(() => tExit(1, { eps: 2, R: 1 }), ConfigError);
  const V = linearPotential(0.5, [0, 1, 30]);
  t.equal(V[0], 0);
  t.ok(Math.abs(V[1]! + 0.25 * Math.log(Math.cosh(1))) < 1e-15);
  t.ok(Math.abs(V[2]! + 0.25 * (30 - Math.log(2))) < 1e-12, 'stable log cosh at large g');
});

t.test('bad input gives clear errors', async (t) => {
  await t.rejects(tauCurve({ activation: 'foo' }, [0.5]), /unknown activation 'foo'/);
  await t.rejects(tauCurve({ activation: 'erf' }, [1.5]), /must be in \[0, 1\]/);
  await t.rejects(tauCurve({ activation: 'erf' }, []), /empty/);
  await t.rejects(tauCurve({ activation: 'relu' }, [0]), /diverges/, 'relu at mu = 0: E[delta] of a degenerate variable');
  await t.rejects(criticalPoints({ activation: 'erf' }, { lo: 0.8, hi: 0.2 }), /reversed/);
  t.throws(() => lossDerivatives({ activation: 'erf' }, [2], [1]), /M\^2 <= Q/);
  t.throws(() => gaussExpect({ activation: 'relu', order: 2 }, { activation: 'relu', order: 2 }, [1, 1, 1]), /diverges/);
});

t.test('CLI: theory tau and critical', async (t) => {
  const r = runCli(['theory', 'tau', '--activation', 'erf', '--grid', '0.01:0.99:5', '--json']);
  t.equal(r.code, 0, r.stderr);
  const pts = JSON.parse(r.stdout);
  t.equal(pts.length, 5);
  t.same(Object.keys(pts[0]).sort(), ['A', 'B', 'mu', 'tau']);
  const m = JSON.parse(runCli(['theory', 'tau', '--activation', 'linear', '--mu', '0.5,1', '--json']).stdout);
  t.ok(Math.abs(m[0].A - 0.5) < 1e-15 && m[1].tau === null && typeof m[1].reason === 'string');
  const c = runCli(['theory', 'critical', '--activation', 'he3', '--hermite-rescale', '--json']);
  t.equal(c.code, 0, c.stderr);
  const cj = JSON.parse(c.stdout);
  t.ok(Array.isArray(cj.zeros) && Array.isArray(cj.minima) && cj.minima.every((x: { mu: number; tau: number }) => x.mu > 0 && x.tau > 0));
  for (const bad of [
    ['--activation', 'nope'],
    ['--activation', 'erf', '--mu', '2'],
    ['--activation', 'erf', '--grid', '0.9:0.1:10'],
    ['--activation', 'erf', '--grid', '0.1:0.9:0'],
  ]) {
    const b = runCli(['theory', 'tau', ...bad, '--json']);
    t.equal(b.code, 2, `${bad.join(' ')} exits 2: ${b.stderr.split('\n')[0]}`);
  }
});

function derf(x: number): number {
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
}
// Trapezoid rule for E[f(z)], z ~ N(0, 1), on [-12, 12]: spectrally accurate for smooth f.
function ghRule(_n: number): [number, number][] {
  const out: [number, number][] = [];
  const h = 0.002;
  for (let x = -12; x <= 12 + 1e-9; x += h) out.push([x, (h * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI)]);
  return out;
}
