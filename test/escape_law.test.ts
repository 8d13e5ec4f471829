// The law of the escape time (native/core/theory/escape_law.cpp, derivation in escape_law.md
// beside it): closed-form pieces, the predicted quantiles against thousands of reduced-chain
// runs over a grid of links, mu, d, B and eta, its failure as B/d -> 0 (kappa), the CLI and
// bad arguments.
import t from 'tap';
import { escapeLaw, simulate, tauCurve, ConfigError } from '../lib/index.js';
import { runCli } from './support/cli.js';

const P = [0.1, 0.25, 0.5, 0.75, 0.9];

/** Empirical quantiles (type 7) of escape steps; censored runs count as +Infinity. */
function quantiles(xs: number[], ps: number[]): number[] {
  const s = [...xs].sort((a, b) => a - b);
  return ps.map((p) => {
    const pos = (s.length - 1) * p,
      lo = Math.floor(pos),
      hi = Math.ceil(pos);
    return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
  });
}

t.test('closed-form pieces: coefficients, noise size, start law', async (t) => {
  const L = await escapeLaw({ activation: 'linear', mu: 0.4, d: 1000, batch: 500, eta: 0.2 });
  const [tc] = await tauCurve({ activation: 'linear' }, [0.4]);
  t.ok(Math.abs(L.A - 0.6) < 1e-12 && Math.abs(L.B + 1) < 1e-12, `linear A = 1 - mu, B = -1 (${L.A}, ${L.B})`);
  t.ok(Math.abs(L.tau! - tc!.tau!) < 1e-12, 'tau is the theory tau');
  // e = (mu - 1) z at the saddle: E[e^2] = (1 - mu)^2; with label noise + noise E[s'^2].
  t.ok(Math.abs(L.sigma2 - 0.36) < 1e-12, `linear sigma2 = (1 - mu)^2: ${L.sigma2}`);
  const N = await escapeLaw({ activation: 'linear', mu: 0.4, d: 1000, batch: 500, eta: 0.2, noise: 0.1 });
  t.ok(Math.abs(N.sigma2 - 0.46) < 1e-12, `label noise adds noise E[s'^2]: ${N.sigma2}`);
  // relu: e = (mu - 1) z 1[z > 0]: E[e^2] = (1 - mu)^2 / 2 (split rule at the kink).
  const R = await escapeLaw({ activation: 'relu', mu: 0.3, d: 1000, batch: 500, eta: 0.2 });
  t.ok(Math.abs(R.sigma2 - 0.49 / 2) < 1e-9, `relu sigma2 = (1 - mu)^2 / 2: ${R.sigma2}`);
  // Unstable direction: J (c, s) = lambda_+ (c, s); start sd: s / sqrt(d); noise: eta^2 sigma2 c^2 / (B (rho^2 - 1)).
  const { u: c, m: s } = L.direction;
  t.ok(Math.abs(L.B * c + L.A * s - L.lambdaPlus * c) < 1e-12 && Math.abs(L.A * c - L.lambdaPlus * s) < 1e-12, 'eigenvector');
  t.ok(Math.abs(L.zeta.sdInit - s / Math.sqrt(1000)) < 1e-15, 'sd of the random row along the direction');
  const rho = 1 + 0.2 * L.lambdaPlus;
  t.ok(Math.abs(L.zeta.sdNoise - Math.sqrt((0.04 * 0.36 * c * c) / (500 * (rho * rho - 1)))) < 1e-15, 'noise sd');
  t.ok(Math.abs(L.zeta.mean - c / 1e6) < 1e-18, 'mean: c u0 with u0 = 1/d^2');
  // The median quantile sits at |zeta| = 0.6745 sd (folded normal, the mean is negligible).
  const sd = Math.hypot(L.zeta.sdInit, L.zeta.sdNoise);
  t.ok(Math.abs(L.quantiles[2]!.zeta / sd - 0.6744897501960817) < 1e-6, `median zeta / sd = ${L.quantiles[2]!.zeta / sd}`);
  // Quantiles increase with p; the loss criterion comes after |m| >= 0.5 here.
  const W = await escapeLaw({ activation: 'erf', mu: 0.4, d: 1000, batch: 500, eta: 0.2, lossThreshold: 0.5 });
  for (let i = 1; i < 5; i++) t.ok(W.quantiles[i]!.steps! > W.quantiles[i - 1]!.steps!, `q increasing (${W.quantiles[i]!.steps})`);
  t.ok(
    W.quantiles.every((q) => q.lossSteps! > 0),
    'loss quantiles present',
  );
  // A(0) = 0 for He3 (z is orthogonal to He3): no escape along the linearisation.
  const H = await escapeLaw({ activation: 'he3', mu: 0, d: 1000, batch: 500, eta: 0.2 });
  t.equal(H.finite, false);
  t.match(H.reason, /A\(mu\) = 0/);
  t.same(H.quantiles, []);
  // He3 below mu_c with a loss criterion: |m| escapes, the loss never makes half its progress.
  const Hb = await escapeLaw({ activation: 'he3', mu: 0.2, d: 1000, batch: 500, eta: 0.2, hermiteRescale: true, lossThreshold: 0.5 });
  t.ok(
    Hb.quantiles.every((q) => q.steps !== null && q.lossSteps === null),
    `He3 mu = 0.2: |m| escapes (${Hb.quantiles[2]!.steps?.toFixed(0)}), the loss does not: ${Hb.reason}`,
  );
});

t.test('the predicted quantiles against the reduced chain', async (t) => {
  // Each setting: thousands of exact reduced-chain runs (the law of full-d SGD at this d)
  // against the law's q10, q25, q50, q75, q90. Tolerance: every ratio chain / law in
  // [0.92, 1.10]. Measured: 0.98-1.07 (the chain sits ~2% later on average: the law's
  // O(eta) terms); the statistical error of a quantile from 2000 runs is ~1-2%. Leaving
  // SGD's noise out of the start (sdNoise = 0) moves the kappa >= 0.5 settings by 10-30%.
  // [activation, mu, d, B, eta, hermiteRescale, seeds]
  const grid: [string, number, number, number, number, boolean, number][] = [
    ['linear', 0.4, 1000, 500, 0.2, false, 2000],
    ['linear', 0.2, 1000, 100, 0.5, false, 2000],
    ['linear', 0.6, 100, 10, 0.3, false, 2000],
    ['linear', 0.4, 30000, 500, 0.2, false, 2000], // kappa 1.4: SGD noise sets the start
    ['relu', 0.3, 1000, 100, 0.2, false, 2000],
    ['erf', 0.3, 1000, 50, 0.2, false, 2000],
    ['he3', 0.6, 1000, 500, 0.2, true, 2000],
    ['sigmoid', 0.1, 100, 10, 0.5, false, 1000],
  ];
  for (const [activation, mu, d, batch, eta, hr, seeds] of grid) {
    const L = await escapeLaw({ activation, mu, d, batch, eta, hermiteRescale: hr });
    const r = await simulate({
      model: { activation, d, pretrained: { mu } },
      train: { batch, eta, hermiteRescale: hr, steps: 20000 },
      engine: 'reduced',
      backend: 'cpu',
      seeds: { count: seeds, base: 1000 },
      record: { points: 4, stopAt: 0.5 },
    });
    const emp = quantiles(
      r.runs.map((x) => x.escape['0.5'] ?? Infinity),
      P,
    );
    const ratios = emp.map((e, i) => e / L.quantiles[i]!.steps!);
    t.ok(
      ratios.every((x) => x >= 0.92 && x <= 1.1),
      `${activation} mu=${mu} d=${d} B=${batch} eta=${eta}${hr ? '/(k!k)' : ''} (kappa ${L.kappa.toFixed(2)}, ${seeds} runs): law ${L.quantiles.map((q) => q.steps!.toFixed(1)).join(' ')}, chain ${emp.join(' ')}, ratios ${ratios.map((x) => x.toFixed(3)).join(' ')} in [0.92, 1.10]`,
    );
  }
});

t.test('where the law stops: B/d -> 0 (kappa beyond ~3)', async (t) => {
  // linear mu = 0.4, d = 1e4, B = 50: kappa = 4.6. SGD's high-dimensional noise, kept in the
  // law's nonlinear part as the drift -(eta (d - 2) / (2 B)) E[e^2] u^2 m, now holds m at a
  // fixed point below 0.5: the law says "never", and the chain indeed stays put (escape
  // only by rare fluctuations; at d = 1000, B = 5 61 of 1000 runs escaped within 2e4 steps).
  // Without the drift the flow would predict a median of about 60 steps.
  const L = await escapeLaw({ activation: 'linear', mu: 0.4, d: 10000, batch: 50, eta: 0.2 });
  t.ok(L.kappa > 4, `kappa ${L.kappa}`);
  t.ok(
    L.quantiles.every((q) => q.steps === null),
    `law: never (${L.reason})`,
  );
  t.ok(
    L.warnings.some((w) => /kappa/.test(w)),
    'and warns',
  );
  const flow = await escapeLaw({ activation: 'linear', mu: 0.4, d: 10000, batch: 50, eta: 0.2, noiseDrift: false });
  t.ok(flow.quantiles[2]!.steps! < 100, `the flow alone: median ${flow.quantiles[2]!.steps!.toFixed(0)} steps`);
  const r = await simulate({
    model: { activation: 'linear', d: 10000, pretrained: { mu: 0.4 } },
    train: { batch: 50, eta: 0.2, steps: 1000 },
    engine: 'reduced',
    backend: 'cpu',
    seeds: { count: 300, base: 5 },
    record: { points: 4, stopAt: 0.5 },
  });
  const escaped = r.runs.filter((x) => x.escape['0.5'] !== null).length;
  t.ok(escaped <= 15, `chain: ${escaped}/300 escaped within 1000 steps (<= 5%)`);
});

t.test('bad arguments are rejected with the field named', async (t) => {
  const base = { activation: 'linear', mu: 0.4, d: 1000, batch: 500, eta: 0.2 };
  const cases: [object, string][] = [
    [{ ...base, mu: 1.5 }, 'mu'],
    [{ ...base, d: 2 }, 'd'],
    [{ ...base, d: 10.5 }, 'd'],
    [{ ...base, batch: 0 }, 'batch'],
    [{ ...base, eta: -1 }, 'eta'],
    [{ ...base, eta: Infinity }, 'eta'],
    [{ ...base, threshold: 1 }, 'threshold'],
    [{ ...base, lossThreshold: 0 }, 'lossThreshold'],
    [{ ...base, probs: [0.5, 1] }, 'probs.1'],
    [{ ...base, probs: [] }, 'probs'],
    [{ ...base, activation: 'nope' }, 'activation'],
    [{ ...base, extra: 1 }, ''],
  ];
  for (const [spec, path] of cases) {
    const e = await escapeLaw(spec as never).then(
      () => null,
      (x: unknown) => x,
    );
    t.ok(e instanceof ConfigError && e.issues.some((i) => i.path === path), `rejects ${JSON.stringify(spec)} at "${path}": ${(e as Error | null)?.message}`);
  }
  await t.rejects(escapeLaw({ ...base, activation: 'relu', mu: 0 }), ConfigError, 'relu at mu = 0 (a Dirac delta of a zero-variance variable)');
});

t.test('CLI: loradyn theory escape-law', async (t) => {
  const r = runCli([
    'theory',
    'escape-law',
    '--activation',
    'erf',
    '--mu',
    '0.4',
    '--d',
    '1000',
    '--batch',
    '500',
    '--eta',
    '0.2',
    '--loss-threshold',
    '0.5',
    '--json',
  ]);
  t.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const k of ['q10', 'q25', 'q50', 'q75', 'q90']) {
    t.type(j.quantiles[k], 'number', `${k} = ${j.quantiles[k]}`);
    t.type(j.lossQuantiles[k], 'number', `loss ${k}`);
  }
  t.ok(j.quantiles.q10 < j.quantiles.q50 && j.quantiles.q50 < j.quantiles.q90);
  const txt = runCli(['theory', 'escape-law', '--activation', 'linear', '--mu', '0.4', '--d', '1000', '--batch', '500', '--eta', '0.2']);
  t.equal(txt.code, 0, txt.stderr);
  t.match(txt.stdout, /q50/);
  for (const [args, name] of [
    [['--mu', '2'], '--mu'],
    [['--d', 'x'], '--d'],
    [['--batch', '0'], '--batch'],
    [['--eta', '0'], '--eta'],
    [['--threshold', '1.5'], '--threshold'],
  ] as const) {
    const full = ['theory', 'escape-law', '--activation', 'linear', '--mu', '0.4', '--d', '1000', '--batch', '500', '--eta', '0.2', ...args];
    const b = runCli(full);
    t.equal(b.code, 2, `${args.join(' ')} exits 2`);
    t.match(b.stderr, name, `names ${name}: ${b.stderr.trim()}`);
  }
  const miss = runCli(['theory', 'escape-law', '--activation', 'linear', '--mu', '0.4']);
  t.equal(miss.code, 2);
  t.match(miss.stderr, /--d/);
});
