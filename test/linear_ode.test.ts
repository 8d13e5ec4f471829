// The full-d engine against the linear ODE limit: d = 2000, B = d/2. The sign of m is random,
// so magnitudes are compared: the mean over seeds of |m(t)| and |u(t)| against the mean of the
// ODE solutions started from each run's own |m0| and u0.
import t from 'tap';
import { simulate } from '../lib/index.js';
import { linearOde } from './support/linear_ode.js';

t.test('linear model: full-d SGD follows the ODE', async (t) => {
  const d = 2000,
    mu = 0.5,
    eta = 0.2,
    steps = 250,
    seeds = 12;
  const res = await simulate({
    model: { activation: 'linear', d, pretrained: { kind: 'aligned', mu } },
    train: { batch: d / 2, eta, steps },
    engine: 'full',
    backend: 'cpu',
    seeds: { count: seeds, base: 100 },
    record: { points: 40 },
  });
  const step = Array.from(res.runs[0]!.step);
  const times = step.map((s) => s * eta);
  const P = step.length;
  const diffM: number[][] = step.map(() => []),
    diffU: number[][] = step.map(() => []);
  const simM = new Array<number>(P).fill(0),
    simU = new Array<number>(P).fill(0);
  for (const run of res.runs) {
    const ode = linearOde(mu, Math.abs(run.m[0]!), run.u[0]!, times);
    for (let p = 0; p < P; p++) {
      diffM[p]!.push(Math.abs(run.m[p]!) - ode.m[p]!);
      diffU[p]!.push(Math.abs(run.u[p]!) - ode.u[p]!);
      simM[p]! += Math.abs(run.m[p]!) / seeds;
      simU[p]! += Math.abs(run.u[p]!) / seeds;
    }
  }
  // At d = 2000 the SGD noise in u and m is of the same order as the drift while m ~ d^-1/2,
  // so single runs scatter around the ODE (escape steps vary by a factor ~2 across seeds).
  // The test: the seed-mean difference between |m| (or |u|) and its ODE lies within
  // 4 standard errors of that mean plus a 0.03 allowance for the O(d^-1/2) finite-size drift.
  // A wrong drift (a missing 1 - mu factor, a sum instead of a batch mean) moves the mean by
  // more than 0.2 during the escape and fails.
  const meanSe = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
    return [m, Math.sqrt(v / xs.length)] as const;
  };
  for (let p = 0; p < P; p++) {
    const [dm, sem] = meanSe(diffM[p]!);
    const [du, seu] = meanSe(diffU[p]!);
    t.ok(Math.abs(dm) <= 4 * sem + 0.03, `step ${step[p]}: mean(|m| - ODE) = ${dm.toFixed(4)} within 4 x ${sem.toFixed(4)} + 0.03`);
    t.ok(Math.abs(du) <= 4 * seu + 0.03, `step ${step[p]}: mean(|u| - ODE) = ${du.toFixed(4)} within 4 x ${seu.toFixed(4)} + 0.03`);
  }
  // The runs must actually escape in the window, or the comparison says little.
  t.ok(simM[P - 1]! > 0.97, `escaped: mean |m| at the end = ${simM[P - 1]}`);
  t.ok(Math.abs(simU[P - 1]! - (1 - mu)) < 0.02, `u reaches 1 - mu: ${simU[P - 1]}`);
});
