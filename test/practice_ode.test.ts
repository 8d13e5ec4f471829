// The practitioners' options in the ODE and the escape theory: momentum is the flow with
// eta/(1 - beta); full fine-tuning of the linear model has the closed form M(t) = 1 - (1 - mu)
// e^(-(1 + wd) t) (+ its decay fixed point) and no search phase; the linearised rates against
// their closed forms. (The ODE against the reduced chain at large d: test/practice_reduced.test.ts.)
import t from 'tap';
import { simulate, type ConfigInput } from '../lib/index.js';
import { practiceRate, stepRate, practiceTauCurve } from '../lib/practice_theory.js';

const ode = (model: ConfigInput['model'], train: ConfigInput['train'], record: ConfigInput['record'] = { points: 60 }) =>
  simulate({ model, train, record, engine: 'ode', backend: 'cpu', seeds: [0] }).then((r) => r.runs[0]!);

t.test('momentum: the flow with eta / (1 - beta)', async (t) => {
  for (const activation of ['linear', 'erf']) {
    const model = { activation, d: 1000, pretrained: { mu: 0.3 } };
    const mom = await ode(model, { eta: 0.02, steps: 2000, optimizer: { kind: 'momentum', beta: 0.9 } }, { points: 60, lossThresholds: [0.5] });
    const sgd = await ode(model, { eta: 0.2, steps: 2000 }, { points: 60, lossThresholds: [0.5] });
    t.same(Array.from(mom.step), Array.from(sgd.step));
    const worst = Math.max(...Array.from(mom.m, (x, i) => Math.abs(x - sgd.m[i]!)), ...Array.from(mom.u, (x, i) => Math.abs(x - sgd.u[i]!)));
    t.ok(worst < 1e-7, `${activation}: m and u agree at every step (worst ${worst.toExponential(2)})`);
    t.equal(mom.escape['0.5'], sgd.escape['0.5'], `${activation}: same escape step ${sgd.escape['0.5']}`);
    t.equal(mom.lossEscape!['0.5'], sgd.lossEscape!['0.5']);
  }
});

t.test('full fine-tuning, linear: closed form, no search phase, no dependence on d', async (t) => {
  for (const wd of [0, 0.5])
    for (const mu of [0.1, 0.5, 0.9]) {
      const eta = 0.01;
      const runs = await Promise.all(
        [1000, 1e6].map((d) =>
          ode(
            { activation: 'linear', d, adapter: 'full', pretrained: { mu } },
            { eta, steps: 600, ...(wd ? { weightDecay: wd } : {}) },
            { points: 60, lossThresholds: [0.5, 0.1] },
          ),
        ),
      );
      const r = runs[0]!;
      // dM/dt = (1 - M) - wd (M - mu): M(t) = M_inf - (M_inf - mu) e^(-(1 + wd) t), M_inf = (1 + wd mu)/(1 + wd); Q = M^2.
      const Minf = (1 + wd * mu) / (1 + wd);
      let worst = 0;
      r.step.forEach((s, i) => {
        const M = Minf - (Minf - mu) * Math.exp(-(1 + wd) * s * eta);
        worst = Math.max(worst, Math.abs(r.M[i]! - M), Math.abs(r.Q[i]! - M * M), Math.abs(r.m[i]! - (M - mu)));
      });
      t.ok(worst < 1e-8, `wd ${wd}, mu ${mu}: M, Q and m = delta . w* against the closed form (worst ${worst.toExponential(2)})`);
      // The loss excess is (1 - M)^2 / 2; without decay it halves at t = ln 2 / 2 whatever mu.
      if (wd === 0) t.equal(r.lossEscape!['0.5'], Math.ceil(Math.log(2) / 2 / eta), `mu ${mu}: loss halves at t = ln 2 / 2`);
      t.same(runs[1]!.lossEscape, r.lossEscape, 'the same at d = 1e6: no log d');
    }
});

t.test('linearised rates: closed forms for the linear link (A = 1 - mu, B = -1)', async (t) => {
  for (const mu of [0.1, 0.5, 0.9]) {
    const A = 1 - mu,
      B = -1;
    const plain = (B + Math.sqrt(B * B + 4 * A * A)) / 2;
    t.ok(Math.abs(practiceRate(A, B).lambda - plain) < 1e-14, `sgd: lambda+ = (B + sqrt(B^2 + 4A^2))/2 at mu ${mu}`);
    t.ok(Math.abs(practiceRate(A, B, { beta: 0.9 }).lambda - 10 * plain) < 1e-12, 'momentum 0.9: 10x the flow');
    for (const rho of [2, 8]) {
      const want = (rho * B + Math.sqrt(rho * rho * B * B + 4 * rho * A * A)) / 2;
      t.ok(Math.abs(practiceRate(A, B, { lrRatio: rho }).lambda - want) < 1e-13, `lrRatio ${rho}`);
    }
    const wd = 0.3;
    const decayed = (B - wd + Math.sqrt((B - wd) ** 2 + 4 * A * A)) / 2;
    t.ok(Math.abs(practiceRate(A, B, { weightDecay: wd }).lambda - decayed) < 1e-14, 'L2 on u only, rows on the sphere');
    const eta = 0.05;
    t.ok(Math.abs(stepRate(A, B, eta)! - Math.log(1 + eta * plain)) < 1e-14, 'sgd per step: log(1 + eta lambda)');
    const z = (1.9 + eta * plain + Math.sqrt((1.9 + eta * plain) ** 2 - 3.6)) / 2;
    t.ok(Math.abs(stepRate(A, B, eta, { beta: 0.9 })! - Math.log(z)) < 1e-14, 'heavy ball per step: the root of z^2 - (1 + beta + eta lambda) z + beta');
  }
  // Non-spherical rows with a strong decay make the saddle stable: no escape.
  t.equal(practiceRate(0.1, -1, { weightDecay: 0.5, spherical: false }).tau, null);
  const c = await practiceTauCurve({ activation: 'erf' }, [0.3, 0.6], { lrRatio: 4 });
  for (const p of c) t.ok(p.tau !== null && p.tauSgd !== null && p.tau < p.tauSgd, `erf mu ${p.mu}: LoRA+ 4 shortens tau (${p.tau} < ${p.tauSgd})`);
});
