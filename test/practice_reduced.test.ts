// engine "reduced" with the practitioners' options (momentum, weight decay, lrRatio, adapter
// "full"; native/core/reduced/practice_reduced.cpp): the same law as full-d SGD's practice step
// at finite d, checked statistically with a power check; the ODE's practice flow against the
// chain at large d; the frame's size limit.
import t from 'tap';
import { simulate, ConfigError, type ConfigInput, type RunResult } from '../lib/index.js';
import { assertToldApart, checkSameLaw, checkSteps, compareLaw, runSeeds, sameLawConfig, seedRange, type SameLawOver } from './support/same_law.js';
import { median } from './support/two_sample.js';

type Over = SameLawOver;
const config = (o: Over): ConfigInput => sameLawConfig(o, { rank: 1, mu: 0.3, batch: 100, eta: 0.05, steps: 200 });
const ALPHA = 1e-3;

// d = 200 unless said; horizons cover the escape (checked below).
const cases: [string, Over, number][] = [
  ['linear, momentum 0.9, B = d/2', { optimizer: { kind: 'momentum', beta: 0.9 }, eta: 0.01 }, 200],
  // B = 1, rows not renormalised: the parts of the inputs outside the frame (the Wishart factor)
  // dominate each step and pile up in |v|, so a chain that mishandles them in the momentum buffers
  // fails here (checked once on purpose: buffers without those parts give |z| = 305 here; the rest of the file,
  // but for full fine-tuning (|z| = 179), did not see it).
  [
    'linear, rows not renormalised, momentum 0.9, B = 1',
    { spherical: false, optimizer: { kind: 'momentum', beta: 0.9 }, batch: 1, eta: 0.001, steps: 3000 },
    300,
  ],
  [
    'erf misaligned mu = 0.6, noise 0.1, weight decay 0.05, lrRatio 4, B = 1',
    { activation: 'erf', misaligned: true, mu: 0.6, noise: 0.1, weightDecay: 0.05, lrRatio: 4, batch: 1, eta: 0.02, steps: 1500 },
    300,
  ],
  [
    'linear, rows not renormalised, momentum 0.5 and weight decay 0.05, B = d/2',
    { spherical: false, optimizer: { kind: 'momentum', beta: 0.5 }, weightDecay: 0.05 },
    200,
  ],
  ['linear rank 2, momentum 0.8 and lrRatio 8, B = d/2', { rank: 2, optimizer: { kind: 'momentum', beta: 0.8 }, lrRatio: 8, eta: 0.01, steps: 300 }, 150],
  ['linear, standard init u0 = 0, lrRatio 8 and weight decay 0.01, B = d/2', { u0: 0, lrRatio: 8, weightDecay: 0.01, eta: 0.02, steps: 600 }, 200],
  [
    'adapter full, erf K = 2 misaligned mu = (0.3, 0.6), momentum 0.5, B = 1',
    {
      activation: 'erf',
      adapter: 'full',
      hidden: 2,
      rank: 2,
      misaligned: true,
      mu: [0.3, 0.6],
      optimizer: { kind: 'momentum', beta: 0.5 },
      batch: 1,
      eta: 0.02,
      steps: 300,
    },
    150,
  ],
  ['adapter full, linear, weight decay 0.2, B = d/2', { adapter: 'full', weightDecay: 0.2, eta: 0.02, steps: 100 }, 200],
  // Tiny d: d - q = 4 degrees of freedom for the step's new direction (q = f + 2r = 2 + 2).
  [
    'linear misaligned mu = 0.5, momentum 0.7, d = 8, B = 3',
    { d: 8, misaligned: true, mu: 0.5, u0: 0.1, optimizer: { kind: 'momentum', beta: 0.7 }, batch: 3, eta: 0.05, steps: 60 },
    1000,
  ],
];

for (const [name, over, n] of cases) {
  t.test(`same law as engine full: ${name}`, (tt) => checkSameLaw(tt, config(over), n, ALPHA));
}

t.test('the comparison has power: momentum 0.85 in the chain is told apart from 0.9 in R^d', async (tt) => {
  const over: Over = { optimizer: { kind: 'momentum', beta: 0.9 }, eta: 0.01 };
  const full = await runSeeds('full', config(over), seedRange(200));
  const wrong = await runSeeds('reduced', config({ ...over, optimizer: { kind: 'momentum', beta: 0.85 } }), seedRange(200, 100001));
  assertToldApart(tt, compareLaw(full, wrong, 1, 1, checkSteps(over.steps ?? 200, over.points ?? 12), ALPHA));
});

// Large d (B = d/2, eta small against 1): the ODE's practice flow and the chain's median
// first passages agree. Momentum's flow (eta / (1 - beta)) drops an inertia term of relative size
// eta (1 + beta) / (2 (1 - beta)^2) = 0.075 here, so beta = 0.5 keeps it small.
t.test('as d grows the chain approaches the ODE for each option (d = 2000, linear, mu = 0.3)', async (tt) => {
  const opts: [string, Over][] = [
    ['sgd (reference gap)', {}],
    ['momentum 0.5', { optimizer: { kind: 'momentum', beta: 0.5 }, eta: 0.025 }],
    ['weight decay 0.2', { weightDecay: 0.2 }],
    ['lrRatio 4', { lrRatio: 4 }],
    ['weight decay 0.1, rows not renormalised', { weightDecay: 0.1, spherical: false }],
    ['adapter full', { adapter: 'full' }],
    ['adapter full, momentum 0.5, weight decay 0.3', { adapter: 'full', optimizer: { kind: 'momentum', beta: 0.5 }, eta: 0.025, weightDecay: 0.3 }],
  ];
  for (const [name, o] of opts) {
    const cfg = config({ d: 2000, batch: 1000, eta: 0.05, steps: 1500, points: 30, ...o });
    const ode = (await runSeeds('ode', cfg, [0]))[0]!;
    const red = await runSeeds('reduced', cfg, seedRange(16));
    for (const [what, get] of [
      ['|m| >= 0.5', (r: RunResult) => r.escape['0.5']],
      ['loss halved', (r: RunResult) => r.lossEscape?.['0.5']],
    ] as const) {
      const o1 = get(ode);
      const m = median(red.map((r) => get(r) ?? Infinity));
      if (o1 === null || o1 === undefined) {
        tt.fail(`${name}: the ODE never reaches "${what}"`);
        continue;
      }
      tt.ok(Math.abs(m - o1) <= 0.1 * o1 + 2, `${name}, ${what}: chain median ${m}, ODE ${o1} (within 10% + 2 steps)`);
    }
  }
});

t.test('the frame of momentum needs d >= f + 3r: a smaller d names model.d', async (tt) => {
  const e = await simulate({ ...config({ d: 4, misaligned: true, u0: 0.1, optimizer: { kind: 'momentum', beta: 0.5 } }), engine: 'reduced', seeds: [1] }).then(
    () => null,
    (x: unknown) => x,
  );
  tt.type(e, ConfigError);
  if (e instanceof ConfigError) {
    tt.ok(
      e.issues.some((i) => i.path === 'model.d'),
      e.message,
    );
    tt.match(e.message, /must be >= 5/);
  }
  const ok = await runSeeds('reduced', config({ d: 5, misaligned: true, u0: 0.1, optimizer: { kind: 'momentum', beta: 0.5 }, steps: 20 }), [1]);
  tt.equal(ok[0]!.stepsDone, 20, 'd = f + 3r = 5 runs');
});
