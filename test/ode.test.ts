// The ODE engine: the linear model against its closed-form linearisation and its energy
// identity, the general (rank r, K units, misaligned) equations against the rank-1 ones,
// descent of the population loss, first passages, full-d SGD at d = 4000, and the
// misaligned start against the reduced chain.
import t from 'tap';
import { simulate, odeRhs, linearPotential } from '../lib/index.js';
import { runCli } from './support/cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

t.test('linear model: search phase equals the closed-form linearisation', async (t) => {
  const mu = 0.5,
    a = 1 - mu,
    eta = 0.2,
    d = 2e9,
    u0 = 1e-5;
  const r = (
    await simulate({ model: { activation: 'linear', d, pretrained: { mu }, u0 }, train: { eta, steps: 20000 }, engine: 'ode', record: { points: 300 } })
  ).runs[0]!;
  // d(u, m)/dt = [[-1, a], [a, 0]] (u, m) while m << 1: eigenvectors (lambda, a).
  const lp = (-1 + Math.sqrt(1 + 4 * a * a)) / 2,
    lm = (-1 - Math.sqrt(1 + 4 * a * a)) / 2;
  const m0 = 1 / Math.sqrt(d);
  // u0 = cp lp + cm lm, m0 = a (cp + cm)
  const cp = (u0 - (lm * m0) / a) / (lp - lm),
    cm = m0 / a - cp;
  let checked = 0,
    worst = 0;
  for (let i = 0; i < r.step.length; i++) {
    const tt = r.t[i]!,
      m = r.m[i]!,
      u = r.u[i]!;
    if (Math.abs(m) > 1e-3) break;
    const me = a * (cp * Math.exp(lp * tt) + cm * Math.exp(lm * tt));
    const ue = cp * lp * Math.exp(lp * tt) + cm * lm * Math.exp(lm * tt);
    worst = Math.max(worst, Math.abs(m - me) / me, Math.abs(u - ue) / Math.abs(ue));
    checked++;
  }
  t.ok(checked > 30, `${checked} grid points in the search phase`);
  // The neglected term is -a u m^2 against a u: relative 1e-6 at m = 1e-3.
  t.ok(worst < 5e-6, `relative deviation from the linearisation: ${worst.toExponential(2)}`);
  const last = r.step.length - 1;
  t.ok(Math.abs(r.m[last]! - 1) < 1e-9 && Math.abs(r.u[last]! - (1 - mu)) < 1e-9, `ends at m = 1, u = 1 - mu: ${r.m[last]}, ${r.u[last]}`);
  t.ok(r.popLoss[last]! < 1e-15, 'loss 0 at the end');
  t.equal(r.escape['0.5'], r.step.find((_, i) => r.m[i]! >= 0.5) !== undefined ? r.escape['0.5'] : null);
  // Energy of g'' + g' = -V'(g), m = tanh g, g' = a u: E = g'^2/2 + V(g) never increases.
  let prev = Infinity,
    rises = 0;
  for (let i = 0; i < r.step.length; i++) {
    const m = r.m[i]!;
    if (m > 1 - 1e-9) break;
    const g = Math.atanh(m);
    const E = 0.5 * (a * r.u[i]!) ** 2 + linearPotential(mu, [g])[0]!;
    if (E > prev + 1e-10 * Math.abs(prev)) rises++;
    prev = E;
  }
  t.equal(rises, 0, 'the energy of the effective potential dissipates');
});

t.test('first passage: the recorded step is the first step with m >= 0.5', async (t) => {
  const base = {
    model: { activation: 'erf', d: 1000, pretrained: { mu: 0.3 } },
    train: { eta: 0.2, steps: 5000 },
    engine: 'ode' as const,
    record: { points: 50, thresholds: [0.25, 0.5, 0.9] },
  };
  const r = (await simulate(base)).runs[0]!;
  for (const th of ['0.25', '0.5', '0.9']) {
    const s = r.escape[th]!;
    t.type(s, 'number', `threshold ${th} reached`);
    const before = (await simulate({ ...base, train: { ...base.train, steps: s - 1 }, record: { points: 2 } })).runs[0]!;
    const at = (await simulate({ ...base, train: { ...base.train, steps: s }, record: { points: 2 } })).runs[0]!;
    const mb = before.m[before.m.length - 1]!,
      ma = at.m[at.m.length - 1]!;
    t.ok(mb < Number(th) && ma >= Number(th), `threshold ${th}: m(step ${s - 1}) = ${mb.toFixed(6)} < ${th} <= m(step ${s}) = ${ma.toFixed(6)}`);
  }
});

t.test('general equations reduce to rank 1', async (t) => {
  const pairs = [
    { activation: 'linear' },
    { activation: 'erf' },
    { activation: 'relu' },
    { activation: 'he3' },
    { activation: 'sigmoid' },
    { activation: 'erf', teacher: 'square' },
  ];
  const rng = mulberry32(7);
  let worst = 0;
  for (const p of pairs)
    for (const mu of [0.2, 0.7]) {
      const cfg1 = { model: { ...p, d: 1000, pretrained: { mu } } };
      const cfg2 = { model: { ...p, d: 1000, rank: 2, pretrained: { mu } } };
      for (let k = 0; k < 4; k++) {
        const u = 2 * rng() - 1,
          m = 1.8 * rng() - 0.9;
        const r1 = odeRhs(cfg1, 'rank1', [u, m]).dy;
        // r = 1 in the general state (U, m, n = mu m, C = 1)
        const g1 = odeRhs(cfg1, 'general', [u, m, mu * m, 1]).dy;
        const scale = Math.max(1, Math.abs(r1[0]!), Math.abs(r1[1]!));
        worst = Math.max(worst, Math.abs(g1[0]! - r1[0]!) / scale, Math.abs(g1[1]! - r1[1]!) / scale);
        t.ok(Math.abs(g1[2]! - mu * g1[1]!) < 1e-12 * scale && g1[3] === 0, 'n = mu m is preserved and |v| = 1');
        // r = 2 with two identical rows v1 = v2 = v is W = w0 + (u1 + u2) v: each u_i moves as
        // the rank-1 u, and row i moves with weight u_i, so dm1 + dm2 is the rank-1 dm at u1 + u2.
        const u1 = 0.3 * u,
          u2 = 0.7 * u;
        const g2 = odeRhs(cfg2, 'general', [u1, u2, m, m, mu * m, mu * m, 1, 1, 1, 1]).dy;
        worst = Math.max(worst, Math.abs(g2[0]! - r1[0]!) / scale, Math.abs(g2[1]! - r1[0]!) / scale);
        worst = Math.max(worst, Math.abs(g2[2]! + g2[3]! - r1[1]!) / scale);
        t.ok(Math.abs(g2[2]! / 0.3 - g2[3]! / 0.7) < 1e-12 * scale, 'row i moves in proportion to u_i');
        t.ok(Math.abs(g2[7]!) < 1e-12, 'the rows stay parallel to first order (dC12 = 0)');
      }
    }
  t.ok(worst < 1e-12, `worst relative difference: ${worst.toExponential(2)}`);
});

t.test('the ODE is a descent: population loss never increases', async (t) => {
  const cfgs = [
    { model: { activation: 'erf', rank: 2, pretrained: { mu: 0.4 } } },
    { model: { activation: 'relu', pretrained: { kind: 'misaligned' as const, mu: 0.5 } } },
    { model: { activation: 'erf', hidden: 2, rank: 2, d: 100, pretrained: { mu: [0.5, 1] } } },
    { model: { activation: 'he3', teacher: 'linear', pretrained: { mu: 0.6 }, u0: 0.1 } },
    { model: { activation: 'tanh', spherical: false, pretrained: { mu: 0.3 }, u0: 0.01 } },
    { model: { activation: 'erf', d: 100, rank: 2, hidden: 2, pretrained: { kind: 'scratch' as const } } },
  ];
  for (const c of cfgs) {
    const r = (await simulate({ ...c, train: { eta: 0.2, steps: 20000 }, engine: 'ode', record: { points: 120 } })).runs[0]!;
    let rises = 0;
    for (
      let i = 1;
      i < r.popLoss.length;
      i++ // Allowance: the integrator (rtol 1e-10) lets the state sit ~1e-10 off the sphere, which
    )
      // moves L by up to ~1e-9 at a fixed point; a wrong-sign gradient moves it by O(1).
      if (r.popLoss[i]! > r.popLoss[i - 1]! + 1e-8 * Math.max(1, r.popLoss[i - 1]!)) rises++;
    const first = r.popLoss[0]!,
      last = r.popLoss[r.popLoss.length - 1]!;
    t.equal(rises, 0, `${JSON.stringify(c.model)}: loss ${first.toFixed(4)} -> ${last.toExponential(3)}, monotone`);
    // (the scratch committee starts from identical rows, m_ik = d^-1/2, and stays on the
    // symmetric plateau: a known limit of the deterministic initial condition)
    t.ok(last < first, 'and it decreases');
    t.equal(r.divergedStep, null);
  }
  // Misaligned pre-training: m ends near 1/sqrt(2) at mu = 0.5 (SPEC section 6.7 reports ~0.71).
  const mis = (
    await simulate({
      model: { activation: 'linear', pretrained: { kind: 'misaligned', mu: 0.5 } },
      train: { eta: 0.2, steps: 100000 },
      engine: 'ode',
      record: { points: 20 },
    })
  ).runs[0]!;
  t.ok(Math.abs(mis.m[mis.m.length - 1]! - Math.SQRT1_2) < 0.02, `misaligned final m = ${mis.m[mis.m.length - 1]}`);
});

t.test('ODE against full-d SGD at d = 4000, B = d/2', async (t) => {
  // Each SGD run starts from m0 = d^-1/2 exactly (v = d^-1/2 w* + an orthogonal unit part),
  // as the ODE does. u0 = 0.5 and eta = 0.5 keep the window short (20 steps, t = 10) while
  // m moves from 0.016 to about 0.9. The SGD step is an Euler step of size eta of the same
  // flow, so the expected gap is O(eta) (about 0.03 after the first step, measured), plus
  // O((d/B)^1/2 d^-1/2) noise. Tolerance: |mean |m| - m_ode| <= 0.05 at every grid point;
  // a drift missing the (1 - mu) factor or the renormalisation moves m by more than 0.1.
  const d = 4000,
    B = d / 2,
    eta = 0.5,
    steps = 20,
    seeds = 8; // the issue asks for many seeds; 8 keep the file near 10 s of CPU
  for (const [activation, mu] of [
    ['linear', 0.5],
    ['erf', 0.1],
  ] as const) {
    const model = { activation, d, pretrained: { mu }, u0: 0.5 };
    const ode = (await simulate({ model, train: { batch: B, eta, steps }, engine: 'ode', record: { points: 12 } })).runs[0]!;
    const mean = new Array<number>(ode.step.length).fill(0);
    for (let s = 0; s < seeds; s++) {
      const z = (await simulate({ model, train: { batch: B, eta, steps: 0 }, engine: 'full', backend: 'cpu', seeds: [s], record: { points: 2, final: true } }))
        .runs[0]!;
      const v = startOnSphere(z.final!.teacher, z.final!.v, 1 / Math.sqrt(d));
      const r = (
        await simulate({
          model: { ...model, init: { v } },
          train: { batch: B, eta, steps },
          engine: 'full',
          backend: 'cpu',
          seeds: [s],
          record: { points: 12 },
        })
      ).runs[0]!;
      t.same(Array.from(r.step), Array.from(ode.step), 'same grid');
      for (const [i, x] of r.m.entries()) mean[i]! += Math.abs(x) / seeds;
    }
    const gaps = mean.map((x, i) => Math.abs(x - ode.m[i]!));
    const worst = Math.max(...gaps);
    t.ok(ode.m[ode.m.length - 1]! - ode.m[0]! > 0.6, `${activation}: the ODE's m moves from ${ode.m[0]!.toFixed(3)} to ${ode.m[ode.m.length - 1]!.toFixed(3)}`);
    t.ok(
      worst <= 0.05,
      `${activation} mu=${mu}: max |mean|m_sgd| - m_ode| = ${worst.toFixed(4)} (<= 0.05); ode ${Array.from(ode.m)
        .map((x) => x.toFixed(3))
        .join(' ')}; sgd ${mean.map((x) => x.toFixed(3)).join(' ')}`,
    );
  }
});

t.test('misaligned pre-training: the ODE escapes with the reduced chain, as aligned does', async (t) => {
  // The case: linear, mu = 0.4, d = 1000, B = 500, eta = 0.2. The ODE used to start
  // at m = v . xi = d^-1/2, which for the linear link lies exactly on the saddle's neutral
  // line (A' m + C' p = 0), so only u0 = 1/d^2 seeded the escape: 150 steps against the
  // chain's median 45. It now starts with the unstable combination at its RMS d^-1/2
  // (native/core/ode/overlap_ode.cpp). The deterministic start at the RMS is expected to be
  // a little early against the median of the random start (|N(0, 1)| has median 0.67), by
  // tau log(1/0.67) ~ 0.4 tau, and SGD noise moves the other way. Measured (300 seeds):
  // ODE / chain median = 0.84-0.88 for aligned and misaligned alike. Tolerance: the ratio in
  // [0.75, 1.05] for both kinds; the old start gave 3.3 (linear) and 1.6 (erf).
  const seeds = 300;
  for (const [activation, kind] of [
    ['linear', 'misaligned'],
    ['erf', 'misaligned'],
    ['linear', 'aligned'],
  ] as const) {
    const base = {
      model: { activation, d: 1000, pretrained: { kind, mu: 0.4 } },
      train: { batch: 500, eta: 0.2, steps: 4000 },
      record: { points: 20, stopAt: 0.5 },
    };
    const ode = (await simulate({ ...base, engine: 'ode' })).runs[0]!.escape['0.5']!;
    const sgd = await simulate({ ...base, engine: 'reduced', backend: 'cpu', seeds: { count: seeds, base: 7 } });
    const e = sgd.runs.map((r) => r.escape['0.5'] ?? Infinity).sort((a, b) => a - b);
    const median = (e[seeds / 2 - 1]! + e[seeds / 2]!) / 2;
    const ratio = ode / median;
    t.ok(
      ratio >= 0.75 && ratio <= 1.05,
      `${activation} ${kind} mu = 0.4: ODE escape ${ode} steps, chain median ${median} (${seeds} seeds): ratio ${ratio.toFixed(3)} in [0.75, 1.05]`,
    );
  }
});

t.test('ode bad input and CLI', async (t) => {
  await t.rejects(simulate({ model: { pretrained: { kind: 'given', w0: new Array(1000).fill(0) } }, engine: 'ode' }), /given/);
  const dir = mkdtempSync(join(tmpdir(), 'loradyn-ode-'));
  const p = join(dir, 'c.json');
  writeFileSync(p, JSON.stringify({ model: { activation: 'erf', pretrained: { mu: 0.5 } }, train: { steps: 50000 }, engine: 'full' }));
  const r = runCli(['ode', p, '--json']);
  t.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  t.equal(j.engine, 'ode', 'the ode command forces engine "ode"');
  t.type(j.runs[0].escape['0.5'], 'number');
  const sim = runCli(['simulate', p.replace('c.json', 'c2.json'), '--json']);
  t.equal(sim.code, 2, 'missing file exits 2');
});

function startOnSphere(teacher: Float64Array, v0: Float64Array, m0: number): number[] {
  const d = teacher.length;
  let c = 0;
  for (let i = 0; i < d; i++) c += v0[i]! * teacher[i]!;
  const perp = new Float64Array(d);
  let n = 0;
  for (let i = 0; i < d; i++) {
    perp[i] = v0[i]! - c * teacher[i]!;
    n += perp[i]! ** 2;
  }
  n = Math.sqrt(n);
  const b = Math.sqrt(1 - m0 * m0);
  return Array.from(perp, (x, i) => m0 * teacher[i]! + (b * x) / n);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

t.test('a squared teacher that shrinks the student to w = 0 integrates to the end', async (t) => {
  // erf with s* = erf^2: the best odd student is w = 0, so u m -> -mu and Q -> 0; rounding
  // used to make Q slightly negative and stop the run with a covariance error.
  for (const mu of [0.4, 0.8]) {
    const r = await simulate({
      model: { activation: 'erf', teacher: 'square', d: 1000, pretrained: { mu } },
      train: { batch: 500, eta: 0.2, steps: 20000 },
      engine: 'ode',
      record: { points: 60 },
    });
    const run = r.runs[0]!;
    t.equal(run.stepsDone, 20000, `mu ${mu}: reached the last step`);
    t.ok(
      Array.from(run.Q).every((q) => q >= 0),
      `mu ${mu}: Q >= 0 throughout`,
    );
    const last = run.step.length - 1;
    t.ok(Math.abs(run.M[last]!) < 1e-3, `mu ${mu}: M -> 0 (${run.M[last]})`);
    t.ok(Number.isFinite(run.popLoss[last]!), `mu ${mu}: finite loss ${run.popLoss[last]}`);
  }
});
